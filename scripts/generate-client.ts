// Regenerates clients/generated/schema.ts from openapi.yaml; with --check, only reports whether it is current.
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEMA_FILE, renderSchemaTypes } from '../clients/generate-schema.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const target = relative(process.cwd(), SCHEMA_FILE);

const generated = await renderSchemaTypes();
const current = await readFile(SCHEMA_FILE, 'utf8').catch(() => undefined);

if (values.check) {
  if (current !== generated) {
    console.error(`${target} is out of date with openapi.yaml: run npm run generate:client`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else if (current === generated) {
  console.log(`${target} is up to date`);
} else {
  await writeFile(SCHEMA_FILE, generated);
  console.log(`wrote ${target}`);
}

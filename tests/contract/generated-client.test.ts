import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, renderSchemaTypes } from '../../clients/generate-schema.ts';

describe('the generated client', () => {
  it('is current with openapi.yaml (else run npm run generate:client)', async () => {
    const onDisk = await readFile(SCHEMA_FILE, 'utf8');
    expect(onDisk === (await renderSchemaTypes()), 'clients/generated/schema.ts is stale: run npm run generate:client').toBe(true);
  });
});

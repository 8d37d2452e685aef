import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

/** The contract the client is generated from. */
export const SPEC_URL = new URL('../openapi.yaml', import.meta.url);

/** Where the generated types live (checked in, so the client builds without a generation step). */
export const SCHEMA_FILE = fileURLToPath(new URL('./generated/schema.ts', import.meta.url));

const HEADER = `// Generated from openapi.yaml by \`npm run generate:client\` (openapi-typescript). Do not edit.\n\n`;

/** The TypeScript types of every path, operation and schema in openapi.yaml. */
export async function renderSchemaTypes(): Promise<string> {
  const ast = await openapiTS(SPEC_URL, { silent: true });
  return HEADER + astToString(ast);
}

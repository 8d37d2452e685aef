// npm run audit:verify -- <file.json>…: verifies an export of GET /verification-srv/audit (the
// pages' JSON, or their items, of one tenant) offline, recomputing every hash and link.
import { readFileSync } from 'node:fs';
import type { AuditRecord } from '../shared/audit/audit-record.ts';
import { verifyExport } from '../shared/audit/verify-export.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run audit:verify -- <export.json> [more pages…]');
  process.exit(2);
}
const rows: AuditRecord[] = [];
for (const file of files) {
  const json = JSON.parse(readFileSync(file, 'utf8')) as AuditRecord[] | { items: AuditRecord[] };
  rows.push(...(Array.isArray(json) ? json : json.items));
}
const verdict = verifyExport(rows);
console.log(JSON.stringify(verdict));
process.exit(verdict.ok ? 0 : 1);

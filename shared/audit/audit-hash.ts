import { createHash } from 'node:crypto';
import type { AuditRecord } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

/** The `prev_hash` of a tenant's first row: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** A row without its hashes: what `hash` is computed over, together with `prev_hash`. */
export type HashedContent = Omit<AuditRecord, 'prev_hash' | 'hash'>;

/** The row's members in canonical (RFC 8785) order, `seq` among them. */
const MEMBERS = ['actor', 'at', 'details', 'event', 'id', 'ip', 'outcome', 'ph_id', 'request_id', 'seq', 'status_id', 'sub', 'tenant', 'type', 'user_agent'] as const;
const SEQ_AT = MEMBERS.indexOf('seq');

/** A row's content before it has a place in the chain. */
export type UnchainedContent = Omit<HashedContent, 'seq'>;

/**
 * The canonical form of a row cut around the value of `seq`, which the database fills in when
 * it chains the row: `head + String(seq) + tail` is canonicalRow of the row.
 */
export function canonicalRowAround(row: UnchainedContent): { head: string; tail: string } {
  const member = (name: Exclude<(typeof MEMBERS)[number], 'seq'>) => `${canonicalJson(name)}:${canonicalJson(row[name])}`;
  const before = MEMBERS.slice(0, SEQ_AT) as Exclude<(typeof MEMBERS)[number], 'seq'>[];
  const after = MEMBERS.slice(SEQ_AT + 1) as Exclude<(typeof MEMBERS)[number], 'seq'>[];
  return { head: `{${before.map(member).join(',')},"seq":`, tail: `,${after.map(member).join(',')}}` };
}

/**
 * The canonical form of a row: RFC 8785 (JCS) JSON of its members except `prev_hash` and
 * `hash`, i.e. `{actor, at, details, event, id, ip, outcome, ph_id, request_id, seq, status_id,
 * sub, tenant, type, user_agent}` with absent values as `null`, `at` as ISO 8601 UTC with
 * milliseconds, and `seq` as a number.
 */
export function canonicalRow(row: HashedContent): string {
  const { seq, ...content } = row;
  const { head, tail } = canonicalRowAround(content);
  return `${head}${canonicalJson(seq)}${tail}`;
}

/**
 * A row's `hash`: lowercase hex of SHA-256 over the UTF-8 bytes of `prevHash` (64 hex
 * characters) immediately followed by the row's canonical form. Any change to a row changes its
 * hash, and through `prev_hash` the hash of every row after it.
 *
 * @example
 * ```ts
 * // an auditor's check of one exported row (items of GET /verification-srv/audit):
 * const { prev_hash, hash, ...content } = item;
 * chainHash(prev_hash, content) === hash;
 * // the same without this code: sha256(prev_hash + jcs(content)) in hex
 * ```
 */
export function chainHash(prevHash: string, row: HashedContent): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalRow(row), 'utf8').digest('hex');
}

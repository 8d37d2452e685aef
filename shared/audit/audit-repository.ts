import type { Queryable } from '../db/database.ts';
import type { UnchainedContent } from './audit-hash.ts';
import type { AuditRecord } from './audit-record.ts';

/** A row as pg returns it: the record's members, but the tenant's column name, bigint as text, a Date. */
type AuditRow = Omit<AuditRecord, 'tenant' | 'seq' | 'at'> & { tenant_id: string; seq: string; at: Date };

const COLUMNS = 'id, tenant_id, seq, at, sub, actor, event, type, ph_id, status_id, outcome, ip, user_agent, request_id, details, prev_hash, hash';

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    tenant: row.tenant_id,
    seq: Number(row.seq),
    at: row.at.toISOString(),
    sub: row.sub,
    actor: row.actor,
    event: row.event,
    type: row.type,
    ph_id: row.ph_id,
    status_id: row.status_id,
    outcome: row.outcome,
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
    details: row.details,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** A tenant's chain head: where the chain ends and where retention cut it. */
export interface ChainHead {
  lastSeq: number;
  lastId: string | null;
  lastHash: string;
  checkpointSeq: number;
  checkpointHash: string;
}

interface HeadRow {
  last_seq: string;
  last_id: string | null;
  last_hash: string;
  checkpoint_seq: string;
  checkpoint_hash: string;
}

const toHead = (row: HeadRow): ChainHead => ({
  lastSeq: Number(row.last_seq),
  lastId: row.last_id,
  lastHash: row.last_hash,
  checkpointSeq: Number(row.checkpoint_seq),
  checkpointHash: row.checkpoint_hash,
});

const HEAD_COLUMNS = 'last_seq, last_id, last_hash, checkpoint_seq, checkpoint_hash';

/** One event to write: its content and its canonical form around the `seq` it will get. */
export interface PendingEvent {
  content: UnchainedContent;
  canonical: { head: string; tail: string };
}

const PENDING_COLUMNS = 16;

/**
 * Writes events in the transaction of the change, in one statement and in this order, to be
 * chained by audit_chain() once that transaction committed.
 */
export async function insertPending(tx: Queryable, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  const rows = events.map(({ content: r, canonical }) => {
    const first = params.length;
    params.push(r.id, r.tenant, r.at, r.sub, r.actor, r.event, r.type, r.ph_id, r.status_id, r.outcome, r.ip, r.user_agent, r.request_id, JSON.stringify(r.details));
    params.push(canonical.head, canonical.tail);
    return `(${Array.from({ length: PENDING_COLUMNS }, (_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  await tx.query(
    `INSERT INTO audit_pending (id, tenant_id, at, sub, actor, event, type, ph_id, status_id, outcome, ip, user_agent, request_id, details,
                                canonical_head, canonical_tail)
     VALUES ${rows.join(', ')}`,
    params,
  );
}

/**
 * Chains up to `limit` of the tenant's committed pending events (audit_chain()). Without
 * `wait`, returns null at once when another session is chaining the tenant.
 */
export async function chainPending(q: Queryable, tenantId: string, limit: number, wait: boolean): Promise<number | null> {
  const { rows } = await q.query<{ chained: number | null }>('SELECT audit_chain($1, $2, $3) AS chained', [tenantId, limit, wait]);
  return rows[0]?.chained ?? null;
}

/** Tenants with events waiting to be chained, at most `limit`. */
export async function tenantsWithPending(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM audit_pending LIMIT $1', [limit]);
  return rows.map((r) => r.tenant_id);
}

/** The tenant's chain head, or undefined when the tenant has never had a row. */
export async function findChainHead(q: Queryable, tenantId: string): Promise<ChainHead | undefined> {
  const { rows } = await q.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit_chain_heads WHERE tenant_id = $1`, [tenantId]);
  return rows[0] && toHead(rows[0]);
}

/** Rows with `seq` in (afterSeq, throughSeq], oldest first, at most `limit`. */
export async function readChain(q: Queryable, tenantId: string, afterSeq: number, throughSeq: number, limit: number): Promise<AuditRecord[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
    [tenantId, afterSeq, throughSeq, limit],
  );
  return rows.map(toRecord);
}

/** The stored hash of the row at `seq`, if it exists. */
export async function hashAt(q: Queryable, tenantId: string, seq: number): Promise<string | undefined> {
  const { rows } = await q.query<{ hash: string }>('SELECT hash FROM audit_events WHERE tenant_id = $1 AND seq = $2', [tenantId, seq]);
  return rows[0]?.hash;
}

/** The first and last `seq` of the rows whose `at` lies in [from, to); undefined when none does. */
export async function seqRangeOf(q: Queryable, tenantId: string, from: Date | undefined, to: Date | undefined): Promise<{ first: number; last: number } | undefined> {
  const { rows } = await q.query<{ first: string | null; last: string | null }>(
    `SELECT min(seq) AS first, max(seq) AS last FROM audit_events
      WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)`,
    [tenantId, from ?? null, to ?? null],
  );
  const row = rows[0];
  return row?.first == null || row.last == null ? undefined : { first: Number(row.first), last: Number(row.last) };
}

/** Which rows a listing asks for. */
export interface RecordFilter {
  tenantId: string;
  sub?: string;
  event?: string;
  from?: Date;
  to?: Date;
  order: 'desc' | 'asc';
  /** Continue after this `seq` (in the listing's order). */
  afterSeq?: number;
  limit: number;
}

/** One page of a tenant's rows in `seq` order (newest first for `desc`). */
export async function listRecords(q: Queryable, f: RecordFilter): Promise<AuditRecord[]> {
  const direction = f.order === 'desc' ? 'DESC' : 'ASC';
  const after = f.order === 'desc' ? 'seq < $6' : 'seq > $6';
  const { rows } = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_events
      WHERE tenant_id = $1 AND ($2::text IS NULL OR sub = $2) AND ($3::text IS NULL OR event = $3)
        AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
        AND ($6::bigint IS NULL OR ${after})
      ORDER BY seq ${direction} LIMIT $7`,
    [f.tenantId, f.sub ?? null, f.event ?? null, f.from ?? null, f.to ?? null, f.afterSeq ?? null, f.limit],
  );
  return rows.map(toRecord);
}

/** The latest instant the database lets retention delete rows from (`audit_policy`, by its own clock). */
export async function retentionFloor(q: Queryable): Promise<Date | undefined> {
  const { rows } = await q.query<{ floor: Date }>('SELECT now() - make_interval(days => retention_days) AS floor FROM audit_policy');
  return rows[0]?.floor;
}

/** Tenants whose chain still holds rows older than `before`, at most `limit` of them. */
export async function tenantsWithRowsBefore(q: Queryable, before: Date, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ tenant_id: string }>(
    `SELECT h.tenant_id FROM audit_chain_heads h
      WHERE EXISTS (SELECT 1 FROM audit_events e WHERE e.tenant_id = h.tenant_id AND e.seq = h.checkpoint_seq + 1 AND e.at < $1)
      ORDER BY h.tenant_id LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => r.tenant_id);
}

/**
 * Deletes up to `limit` of the tenant's oldest rows older than `before` (a prefix of its chain)
 * through audit_cut(), which moves the checkpoint first; returns how many went.
 */
export async function cutChain(q: Queryable, tenantId: string, before: Date, limit: number): Promise<number> {
  const { rows } = await q.query<{ deleted: number }>('SELECT audit_cut($1, $2, $3) AS deleted', [tenantId, before, limit]);
  return rows[0]?.deleted ?? 0;
}

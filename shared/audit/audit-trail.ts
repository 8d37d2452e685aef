import type { Database } from '../db/database.ts';
import { decodeCursor, encodeCursor } from './audit-cursor.ts';
import type { AuditRecord } from './audit-record.ts';
import { chainTenant } from './audit-chainer.ts';
import { findChainHead, hashAt, listRecords, readChain, seqRangeOf } from './audit-repository.ts';
import { ChainVerifier, type ChainFaultReason } from './chain-verifier.ts';

/** A page of rows and, when more follow, the cursor that continues it. */
export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

/** What an admin asks the audit trail for. */
export interface AuditQuery {
  sub?: string;
  event?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  cursor?: string;
  limit: number;
  /** `desc` (newest first, the default) or `asc` (oldest first, e.g. for an export to verify). */
  order: 'desc' | 'asc';
}

/**
 * One page of the tenant's audit trail in chain order, each row whole (hashes included) so an
 * export can be verified offline. Events of changes committed before the call are all chained
 * first, so none is missing.
 *
 * @throws VerificationError INVALID_REQUEST for a cursor this listing did not hand out.
 */
export async function listAuditTrail(db: Database, tenantId: string, query: AuditQuery): Promise<Page<AuditRecord>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.order).seq;
  await chainTenant(db, tenantId);
  const rows = await listRecords(db, { tenantId, sub: query.sub, event: query.event, from: query.from, to: query.to, order: query.order, afterSeq: after, limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  return more ? { items, next_cursor: encodeCursor({ order: query.order, seq: items.at(-1)!.seq }) } : { items };
}

/** The verdict on (part of) a tenant's chain. */
export interface VerifyResult {
  ok: boolean;
  /** Rows checked (up to and including the first bad one). */
  checked: number;
  /** The id of the first bad row (see ChainFaultReason for what the id names). */
  first_bad?: string;
  reason?: ChainFaultReason;
}

const VERIFY_BATCH = 1_000;

/**
 * Chains what is pending, then recomputes the tenant's chain, or the part of it whose rows lie
 * in [from, to), from one snapshot: every row's hash, every link, no gaps, and (when the range runs to the end) that
 * the chain ends where its head says. The first row's link is checked against the row before
 * it, or against the retention checkpoint.
 */
export async function verifyAuditTrail(db: Database, tenantId: string, range: { from?: Date; to?: Date } = {}): Promise<VerifyResult> {
  await chainTenant(db, tenantId);
  return db.transaction(async (tx) => {
    // One snapshot: appends committing meanwhile are neither half seen nor mistaken for tampering.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const head = await findChainHead(tx, tenantId);
    if (!head) return { ok: true, checked: 0 };
    const toTheEnd = range.to === undefined;
    let first = head.checkpointSeq + 1;
    let last = head.lastSeq;
    if (range.from !== undefined || range.to !== undefined) {
      const inRange = await seqRangeOf(tx, tenantId, range.from, range.to);
      if (!inRange) return { ok: true, checked: 0 };
      first = inRange.first;
      if (!toTheEnd) last = inRange.last;
    }
    const before = first - 1 === head.checkpointSeq ? head.checkpointHash : await hashAt(tx, tenantId, first - 1);
    const verifier = new ChainVerifier({ seq: first - 1, hash: before });
    for (let after = first - 1; !verifier.fault; ) {
      const rows = await readChain(tx, tenantId, after, last, VERIFY_BATCH);
      for (const row of rows) if (verifier.check(row)) break;
      if (rows.length < VERIFY_BATCH) break;
      after = rows.at(-1)!.seq;
    }
    const fault = toTheEnd ? verifier.finish(head) : verifier.fault;
    return fault ? { ok: false, checked: verifier.checked, first_bad: fault.id, reason: fault.reason } : { ok: true, checked: verifier.checked };
  });
}

/** One of a user's own events, as the user may see it. */
export interface ActivityItem {
  id: string;
  at: string;
  event: string;
  type: string | null;
  outcome: string;
  ph_id: string | null;
  status_id: string | null;
  details: AuditRecord['details'];
  /** Where the request came from, only when the user made it (never an admin's or a device's address). */
  ip: string | null;
  user_agent: string | null;
}

function toActivity(row: AuditRecord, sub: string): ActivityItem {
  const own = row.actor === sub;
  return {
    id: row.id,
    at: row.at,
    event: row.event,
    type: row.type,
    outcome: row.outcome,
    ph_id: row.ph_id,
    status_id: row.status_id,
    details: row.details,
    ip: own ? row.ip : null,
    user_agent: own ? row.user_agent : null,
  };
}

/**
 * The caller's own events, newest first: sign-ins, wrong codes, lockouts, factor changes,
 * whoever caused them; the address and user agent only of requests the user made.
 */
export async function listActivity(db: Database, user: { tenantId: string; sub: string }, page: { limit: number; cursor?: string }): Promise<Page<ActivityItem>> {
  const listed = await listAuditTrail(db, user.tenantId, { sub: user.sub, limit: page.limit, cursor: page.cursor, order: 'desc' });
  return { ...listed, items: listed.items.map((row) => toActivity(row, user.sub)) };
}

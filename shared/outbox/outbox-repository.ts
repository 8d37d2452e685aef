import type { Queryable } from '../db/database.ts';
import type { SealedSecret } from '../otp/secret-box.ts';
import type { Json, OutboxAttemptView, OutboxEntryView, OutboxStatus } from './outbox-entry.ts';

/** The channel every enqueue NOTIFYs (payload: the queue), waking idle workers at once. */
export const OUTBOX_CHANNEL = 'verification_outbox';

export interface OutboxRow {
  id: string;
  queue: string;
  ordering_key: string | null;
  tenant_id: string | null;
  status: OutboxStatus;
  payload: Json | null;
  sealed_payload: Buffer | null;
  sealed_key_id: string | null;
  metadata: { [key: string]: Json };
  attempts: number;
  next_attempt_at: Date;
  deadline: Date | null;
  claim_token: string | null;
  last_error: string | null;
  last_http_status: number | null;
  provider_message_id: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface InsertRow {
  id: string;
  queue: string;
  orderingKey: string | null;
  tenantId: string | null;
  payload: Json | null;
  sealed: SealedSecret | null;
  metadata: { [key: string]: Json };
  deadline: Date | null;
  now: Date;
}

/** Writes a row in the caller's transaction and wakes the workers when it commits. */
export async function insertOutboxRow(tx: Queryable, row: InsertRow): Promise<void> {
  await tx.query(
    `INSERT INTO outbox (id, queue, ordering_key, tenant_id, status, payload, sealed_payload, sealed_key_id, metadata,
                         next_attempt_at, deadline, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $9, $9)`,
    [
      row.id,
      row.queue,
      row.orderingKey,
      row.tenantId,
      row.payload === null ? null : JSON.stringify(row.payload),
      row.sealed?.ciphertext ?? null,
      row.sealed?.keyId ?? null,
      JSON.stringify(row.metadata),
      row.now,
      row.deadline,
    ],
  );
  // Identical notifications of one transaction are folded into one by PostgreSQL.
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, row.queue]);
}

export interface ClaimRequest {
  queues: string[];
  worker: string;
  now: Date;
  leaseUntil: Date;
  limit: number;
}

/**
 * Claims up to `limit` due rows for `worker` under a lease: pending rows whose time has come,
 * and in-flight rows whose lease ran out (their worker died). `SKIP LOCKED` lets any number of
 * workers claim at once without waiting on each other or taking the same row. A row with an
 * ordering key is skipped while an earlier row of its queue and key is still open, so each key
 * has at most one row in flight and its rows go out in the order they were written, retries
 * included. Every claim gets a fresh token; only its holder can record the outcome.
 */
export async function claimDueRows(db: Queryable, claim: ClaimRequest): Promise<OutboxRow[]> {
  const result = await db.query<OutboxRow>(
    `WITH due AS (
       SELECT o.id FROM outbox o
        WHERE o.queue = ANY($1::text[])
          AND ((o.status = 'pending' AND o.next_attempt_at <= $2) OR (o.status = 'in_flight' AND o.lease_until <= $2))
          AND (o.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbox e
                 WHERE e.queue = o.queue AND e.ordering_key = o.ordering_key AND e.seq < o.seq
                   AND e.status IN ('pending', 'in_flight')))
        ORDER BY o.seq
        LIMIT $3
        FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE outbox SET status = 'in_flight', claimed_by = $4, claim_token = gen_random_uuid(), lease_until = $5,
                       attempts = outbox.attempts + 1, updated_at = $2
       FROM due WHERE outbox.id = due.id
     RETURNING outbox.*`,
    [claim.queues, claim.now, claim.limit, claim.worker, claim.leaseUntil],
  );
  return result.rows;
}

export interface AttemptRecord {
  id: string;
  claimToken: string;
  attempt: number;
  worker: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'delivered' | 'retry' | 'failed';
  httpStatus: number | null;
  error: string | null;
  providerMessageId: string | null;
  /** For a retry: when the next attempt is due. */
  nextAttemptAt: Date | null;
}

/**
 * Records an attempt and moves the row on (delivered, back to pending, or failed), but only if
 * this claim still holds it: a worker whose lease expired and whose row another worker took over
 * records its attempt as not `recorded` and changes nothing. A finished row loses its sealed
 * payload in the same statement. Returns whether the claim still held.
 */
export async function recordAttempt(tx: Queryable, record: AttemptRecord): Promise<boolean> {
  const finished = record.outcome !== 'retry';
  const status = record.outcome === 'retry' ? 'pending' : record.outcome;
  const moved = await tx.query(
    `UPDATE outbox
        SET status = $3, claim_token = NULL, lease_until = NULL,
            next_attempt_at = COALESCE($4::timestamptz, next_attempt_at),
            last_error = $5, last_http_status = $6, provider_message_id = COALESCE($7, provider_message_id),
            updated_at = $8::timestamptz, finished_at = CASE WHEN $9::boolean THEN $8::timestamptz END,
            sealed_payload = CASE WHEN $9::boolean THEN NULL ELSE sealed_payload END,
            sealed_key_id = CASE WHEN $9::boolean THEN NULL ELSE sealed_key_id END
      WHERE id = $1 AND claim_token = $2 AND status = 'in_flight'`,
    [record.id, record.claimToken, status, record.nextAttemptAt, record.error, record.httpStatus, record.providerMessageId, record.finishedAt, finished],
  );
  const held = moved.rowCount === 1;
  await tx.query(
    `INSERT INTO outbox_attempts (outbox_id, attempt, worker, started_at, finished_at, outcome, http_status, error, provider_message_id, recorded)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [record.id, record.attempt, record.worker, record.startedAt, record.finishedAt, record.outcome, record.httpStatus, record.error, record.providerMessageId, held],
  );
  return held;
}

/** Hands claimed rows that were never started back (a stopping worker), keeping their attempt count. */
export async function releaseClaims(db: Queryable, claims: { id: string; claimToken: string }[], now: Date): Promise<void> {
  if (claims.length === 0) return;
  await db.query(
    `UPDATE outbox SET status = 'pending', claim_token = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = $3
      WHERE id = ANY($1::uuid[]) AND claim_token = ANY($2::uuid[]) AND status = 'in_flight'`,
    [claims.map((c) => c.id), claims.map((c) => c.claimToken), now],
  );
}

function toView(row: OutboxRow): OutboxEntryView {
  return {
    id: row.id,
    queue: row.queue,
    tenantId: row.tenant_id,
    orderingKey: row.ordering_key,
    status: row.status,
    attempts: row.attempts,
    payload: row.payload,
    metadata: row.metadata,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    lastHttpStatus: row.last_http_status,
    providerMessageId: row.provider_message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/** A row by id; with `tenantId`, another tenant's row reads as absent. */
export async function readOutboxRow(db: Queryable, id: string, tenantId?: string): Promise<OutboxEntryView | undefined> {
  const result = await db.query<OutboxRow>(
    'SELECT * FROM outbox WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)',
    [id, tenantId ?? null],
  );
  const row = result.rows[0];
  return row && toView(row);
}

/** Every attempt of a row, oldest first. */
export async function listAttempts(db: Queryable, id: string): Promise<OutboxAttemptView[]> {
  const result = await db.query<{
    attempt: number;
    worker: string;
    started_at: Date;
    finished_at: Date;
    outcome: OutboxAttemptView['outcome'];
    http_status: number | null;
    error: string | null;
    provider_message_id: string | null;
    recorded: boolean;
  }>('SELECT * FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id', [id]);
  return result.rows.map((r) => ({
    attempt: r.attempt,
    worker: r.worker,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    httpStatus: r.http_status,
    error: r.error,
    providerMessageId: r.provider_message_id,
    recorded: r.recorded,
  }));
}

/** Deletes up to `limit` rows that finished before `before` (their attempts go with them). */
export async function deleteFinishedRows(db: Queryable, before: Date, limit: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE finished_at < $1 ORDER BY finished_at LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount ?? 0;
}

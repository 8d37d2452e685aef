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
 * workers claim at once without waiting on each other or taking the same row. Of the rows with
 * an ordering key only the head of each key (its oldest open row) can be claimed, so each key
 * has at most one row in flight and its rows go out in the order they were written, retries
 * included. Every claim gets a fresh token; only its holder can record the outcome.
 *
 * The heads are found by skipping from key to key through `outbox_open_keys` (one index probe
 * per key with open rows), and rows without a key through `outbox_open_unkeyed`, so a backlog
 * behind a few keys costs next to nothing per claim.
 */
export async function claimDueRows(db: Queryable, claim: ClaimRequest): Promise<OutboxRow[]> {
  const open = "status IN ('pending', 'in_flight')";
  const due = "((o.status = 'pending' AND o.next_attempt_at <= $2) OR (o.status = 'in_flight' AND o.lease_until <= $2))";
  const result = await db.query<OutboxRow>(
    `WITH RECURSIVE heads AS (
       SELECT first.queue, first.ordering_key, first.seq FROM unnest($1::text[]) AS q(name), LATERAL (
         SELECT queue, ordering_key, seq FROM outbox WHERE queue = q.name AND ordering_key IS NOT NULL AND ${open}
          ORDER BY ordering_key, seq LIMIT 1) first
       UNION ALL
       SELECT next.queue, next.ordering_key, next.seq FROM heads h, LATERAL (
         SELECT queue, ordering_key, seq FROM outbox WHERE queue = h.queue AND ordering_key > h.ordering_key AND ordering_key IS NOT NULL AND ${open}
          ORDER BY ordering_key, seq LIMIT 1) next
     ),
     keyed AS (
       SELECT o.id, o.seq FROM outbox o
        WHERE o.seq = ANY (ARRAY(SELECT seq FROM heads)) AND ${due}
        ORDER BY o.seq LIMIT $3
        FOR UPDATE OF o SKIP LOCKED
     ),
     unkeyed AS (
       SELECT o.id, o.seq FROM outbox o
        WHERE o.queue = ANY($1::text[]) AND o.ordering_key IS NULL AND o.${open} AND ${due}
        ORDER BY o.seq LIMIT $3
        FOR UPDATE OF o SKIP LOCKED
     ),
     chosen AS (
        SELECT id FROM (SELECT id, seq FROM keyed UNION ALL SELECT id, seq FROM unkeyed) AS candidates ORDER BY seq LIMIT $3
     )
     UPDATE outbox SET status = 'in_flight', claimed_by = $4, claim_token = gen_random_uuid(), lease_until = $5,
                       attempts = outbox.attempts + 1, updated_at = $2
       FROM chosen WHERE outbox.id = chosen.id
     RETURNING outbox.*`,
    [claim.queues, claim.now, claim.limit, claim.worker, claim.leaseUntil],
  );
  return result.rows;
}

/** An attempt as the worker reports it: the view's fields, whether it is `recorded` left to the claim check. */
export interface AttemptRecord extends Omit<OutboxAttemptView, 'recorded'> {
  id: string;
  claimToken: string;
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

/**
 * Gives up every pending row of one queue and ordering key (e.g. the deliveries to a webhook
 * endpoint that was disabled or deleted), erasing sealed payloads like any finished row. A row
 * in flight finishes its attempt. Returns how many rows were given up.
 */
export async function failOpenRows(tx: Queryable, queue: string, orderingKey: string, error: string, now: Date): Promise<number> {
  const result = await tx.query(
    `UPDATE outbox SET status = 'failed', finished_at = $4, updated_at = $4, last_error = $3, sealed_payload = NULL, sealed_key_id = NULL
      WHERE queue = $1 AND ordering_key = $2 AND status = 'pending'`,
    [queue, orderingKey, error, now],
  );
  return result.rowCount ?? 0;
}

/** Which row to send again, and whose it must be. */
export interface RequeueRequest {
  id: string;
  queue: string;
  orderingKey: string;
  tenantId: string;
  now: Date;
}

/**
 * Makes a row due now again: a finished one (delivered or given up, its payload still held)
 * goes back to pending, a pending one is brought forward. Its id, and so its webhook id, stays
 * the same; its attempt count goes on. Returns false when no such row of that queue, key and
 * tenant exists, it is in flight, or its sealed payload was already erased.
 */
export async function requeueRow(tx: Queryable, r: RequeueRequest): Promise<boolean> {
  const result = await tx.query(
    `UPDATE outbox SET status = 'pending', next_attempt_at = $5, finished_at = NULL, updated_at = $5
      WHERE id = $1 AND queue = $2 AND ordering_key = $3 AND tenant_id = $4
        AND status IN ('pending', 'delivered', 'failed') AND (payload IS NOT NULL OR sealed_payload IS NOT NULL)`,
    [r.id, r.queue, r.orderingKey, r.tenantId, r.now],
  );
  if (result.rowCount !== 1) return false;
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, r.queue]);
  return true;
}

/** Which rows of one queue and ordering key to list. */
export interface KeyListing {
  queue: string;
  orderingKey: string;
  tenantId: string;
  /** Continue with rows written before the row at this position. */
  beforeSeq?: number;
  limit: number;
}

/** Rows of one queue and ordering key, newest first, each with its position for paging. */
export async function listRowsByKey(q: Queryable, l: KeyListing): Promise<(OutboxEntryView & { seq: number })[]> {
  const result = await q.query<OutboxRow & { seq: string }>(
    `SELECT * FROM outbox WHERE queue = $1 AND ordering_key = $2 AND tenant_id = $3 AND ($4::bigint IS NULL OR seq < $4)
      ORDER BY seq DESC LIMIT $5`,
    [l.queue, l.orderingKey, l.tenantId, l.beforeSeq ?? null, l.limit],
  );
  return result.rows.map((row) => ({ ...toView(row), seq: Number(row.seq) }));
}

/** Deletes up to `limit` rows that finished before `before` (their attempts go with them). */
export async function deleteFinishedRows(db: Queryable, before: Date, limit: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE finished_at < $1 ORDER BY finished_at LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount ?? 0;
}

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database, Queryable, Subscription } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { openSecret, sealSecret, type SecretKeyring } from '../otp/secret-box.ts';
import type { Clock } from '../clock/clock.ts';
import type { OutboxMetrics } from './outbox-metrics.ts';
import type { AttemptResult, Json, NewOutboxEntry, OutboxAttemptView, OutboxEntryView, QueueOptions } from './outbox-entry.ts';
import {
  claimDueRows,
  deleteFinishedRows,
  failOpenRows,
  insertOutboxRow,
  listAttempts,
  listRowsByKey,
  OUTBOX_CHANNEL,
  readOutboxRow,
  recordAttempt,
  requeueRow,
  type KeyListing,
  type OutboxRow,
  type RequeueRequest,
} from './outbox-repository.ts';
import { nextRetryDelay } from './retry-schedule.ts';

export interface OutboxOptions {
  db: Database;
  keyring: SecretKeyring;
  clock: Clock;
  log: Logger;
  metrics?: OutboxMetrics;
  /** How often an idle worker looks for due rows without being woken (retries, missed NOTIFYs). */
  pollIntervalMs: number;
  /** How long a claim holds a row; a worker that dies is replaced after it. */
  leaseMs: number;
  /** Rows one process delivers at once. */
  concurrency: number;
  retentionDays: number;
  /** Names this process in claims and attempts; defaults to host, pid and a random part. */
  workerId?: string;
}

/** Associated data binding a sealed payload to its row, so it cannot be moved to another. */
const sealingContext = (id: string) => `outbox:${id}`;
const RETENTION_EVERY_MS = 10 * 60_000;
const RETENTION_BATCH = 1_000;
const MAX_ERROR_TEXT = 500;

/**
 * A transactional outbox. Callers `enqueue` rows inside the transaction of the change that
 * causes them, so a message exists exactly when the change committed, and a crash between
 * commit and send loses nothing. A worker in every process claims due rows under a lease
 * (`FOR UPDATE SKIP LOCKED`), hands each to its queue's handler, records every attempt, and
 * retries on the queue's schedule until it gives up.
 *
 * Delivery is exactly once per row unless a worker dies, or overruns its lease, after the
 * handler sent and before the outcome was recorded: then the row is sent again after the
 * lease (at least once). The row id stays the same across attempts, so receivers can
 * deduplicate (it is the `webhook-id` of signed requests).
 */
export class Outbox {
  readonly workerId: string;
  #queues = new Map<string, QueueOptions>();
  #subscription: Subscription | undefined;
  #poll: NodeJS.Timeout | undefined;
  #running = false;
  #stopping = false;
  #pass: Promise<void> | undefined;
  #again = false;
  #inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #lastRetention = 0;

  constructor(private readonly options: OutboxOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Registers how `queue` is delivered; do it before `start`. */
  register(queue: string, options: QueueOptions): void {
    if (this.#queues.has(queue)) throw new Error(`outbox queue ${queue} is already registered`);
    this.#queues.set(queue, options);
  }

  /**
   * Writes a row in `tx`, the caller's transaction. A `secret` payload is sealed with the
   * keyring's active key; a plain one stays readable.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   await changeSomething(tx);
   *   await outbox.enqueue(tx, { queue: 'message', payload: { to, code }, secret: true, tenantId });
   * });
   * ```
   */
  async enqueue(tx: Queryable, entry: NewOutboxEntry): Promise<{ id: string }> {
    const id = entry.id ?? randomUUID();
    const sealed = entry.secret ? sealSecret(this.options.keyring, JSON.stringify(entry.payload), sealingContext(id)) : null;
    await insertOutboxRow(tx, {
      id,
      queue: entry.queue,
      orderingKey: entry.orderingKey ?? null,
      tenantId: entry.tenantId ?? null,
      payload: sealed ? null : entry.payload,
      sealed,
      metadata: entry.metadata ?? {},
      deadline: entry.deadline ?? null,
      now: this.options.clock(),
    });
    return { id };
  }

  /** A row by id (another tenant's row reads as absent when `tenantId` is given). */
  read(id: string, tenantId?: string): Promise<OutboxEntryView | undefined> {
    return readOutboxRow(this.options.db, id, tenantId);
  }

  /** Every attempt recorded for a row, oldest first. */
  attempts(id: string): Promise<OutboxAttemptView[]> {
    return listAttempts(this.options.db, id);
  }

  /** Rows of one queue and ordering key of a tenant, newest first (e.g. one webhook endpoint's deliveries). */
  listByKey(listing: KeyListing): Promise<(OutboxEntryView & { seq: number })[]> {
    return listRowsByKey(this.options.db, listing);
  }

  /** In `tx`: gives up the pending rows of one queue and ordering key, recording `reason`. */
  failOpen(tx: Queryable, queue: string, orderingKey: string, reason: string): Promise<number> {
    return failOpenRows(tx, queue, orderingKey, reason, this.options.clock());
  }

  /** In `tx`: makes a row due now again, keeping its id (see requeueRow); false when it cannot be. */
  requeue(tx: Queryable, request: Omit<RequeueRequest, 'now'>): Promise<boolean> {
    return requeueRow(tx, { ...request, now: this.options.clock() });
  }

  /** Listens for new rows and starts polling. */
  async start(): Promise<void> {
    if (this.#running || this.#queues.size === 0) return;
    this.#running = true;
    this.#stopping = false;
    this.#subscription = await this.options.db.listen(
      OUTBOX_CHANNEL,
      (queue) => {
        if (this.#queues.has(queue)) this.wake();
      },
      () => this.wake(),
    );
    this.#poll = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.#poll.unref();
    this.wake();
  }

  /**
   * Stops claiming, lets attempts under way finish (each is bounded by its own timeout), and
   * aborts any still running after `graceMs`; their rows are retried after the lease.
   */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    clearInterval(this.#poll);
    await this.#subscription?.close().catch(() => undefined);
    await this.#pass;
    const pending = [...this.#inFlight.values()];
    const grace = setTimeout(() => pending.forEach((p) => p.controller.abort()), graceMs);
    grace.unref();
    await Promise.all(pending.map((p) => p.done));
    clearTimeout(grace);
    this.#running = false;
  }

  /** Asks for a claim pass soon (a NOTIFY, the poll, a finished attempt). */
  wake(): void {
    if (this.#stopping) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = this.#claimPass().finally(() => {
      this.#pass = undefined;
      if (this.#again && !this.#stopping) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /**
   * Claims and delivers until nothing is due, then resolves (for tests and the bench; the
   * running worker does the same on its own).
   */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.#claim(this.options.concurrency);
      const started = claimed.map((row) => this.#deliver(row));
      await Promise.all(started);
      if (claimed.length === 0 && this.#inFlight.size === 0) return;
    }
  }

  async #claimPass(): Promise<void> {
    try {
      await this.#retention();
      for (;;) {
        const free = this.options.concurrency - this.#inFlight.size;
        if (free <= 0 || this.#stopping) return;
        const claimed = await this.#claim(free);
        for (const row of claimed) void this.#deliver(row).then(() => this.wake());
        if (claimed.length < free) return;
      }
    } catch (err) {
      this.options.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'outbox claim failed; retrying on the next poll');
    }
  }

  #claim(limit: number): Promise<OutboxRow[]> {
    if (this.#queues.size === 0 || limit <= 0) return Promise.resolve([]);
    const now = this.options.clock();
    return claimDueRows(this.options.db, {
      queues: [...this.#queues.keys()],
      worker: this.workerId,
      now,
      leaseUntil: new Date(now.getTime() + this.options.leaseMs),
      limit,
    });
  }

  #deliver(row: OutboxRow): Promise<void> {
    const controller = new AbortController();
    const done = this.#attempt(row, controller).finally(() => this.#inFlight.delete(row.id));
    this.#inFlight.set(row.id, { controller, done });
    return done;
  }

  async #attempt(row: OutboxRow, controller: AbortController): Promise<void> {
    const queue = this.#queues.get(row.queue)!;
    const startedAt = this.options.clock();
    // An attempt may use half the lease; past that it is abandoned so it cannot outlive its claim.
    const overrun = setTimeout(() => controller.abort(), this.options.leaseMs / 2);
    overrun.unref();
    let result: AttemptResult;
    try {
      const payload = this.#payloadOf(row);
      if (row.deadline && row.deadline <= startedAt) {
        result = { outcome: 'failed', error: 'deadline passed before delivery' };
      } else if (payload === undefined) {
        result = { outcome: 'failed', error: 'the sealed payload cannot be opened with the current keyring' };
      } else {
        result = await queue.handle({
          id: row.id,
          queue: row.queue,
          tenantId: row.tenant_id,
          orderingKey: row.ordering_key,
          attempt: row.attempts,
          payload,
          metadata: row.metadata,
          createdAt: row.created_at,
          signal: controller.signal,
        });
      }
    } catch (err) {
      result = { outcome: 'retry', error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(overrun);
    }
    await this.#record(row, queue, startedAt, result).catch((err: unknown) => {
      // The row stays claimed and is retried after the lease: nothing is lost.
      this.options.log.warn({ err: err instanceof Error ? err.message : String(err), outbox_id: row.id }, 'could not record an outbox attempt');
    });
  }

  /** The row's payload, or undefined when its sealed payload does not open (a key was dropped). */
  #payloadOf(row: OutboxRow): Json | undefined {
    if (!row.sealed_payload || !row.sealed_key_id) return row.payload;
    try {
      const opened = openSecret(this.options.keyring, { keyId: row.sealed_key_id, ciphertext: row.sealed_payload }, sealingContext(row.id));
      return JSON.parse(opened) as Json;
    } catch {
      return undefined;
    }
  }

  async #record(row: OutboxRow, queue: QueueOptions, startedAt: Date, result: AttemptResult): Promise<void> {
    const finishedAt = this.options.clock();
    let outcome = result.outcome;
    let error = result.outcome === 'delivered' ? null : result.error.slice(0, MAX_ERROR_TEXT);
    let nextAttemptAt: Date | null = null;
    if (result.outcome === 'retry') {
      const delay = nextRetryDelay(queue.retrySchedule, row.attempts, queue.retryScale ?? 1);
      const wait = delay === undefined ? undefined : Math.max(delay, Math.min(result.retryAfterMs ?? 0, 3_600_000));
      nextAttemptAt = wait === undefined ? null : new Date(finishedAt.getTime() + wait);
      if (!nextAttemptAt) {
        outcome = 'failed';
        error = `gave up after ${row.attempts} attempts: ${error}`;
      } else if (row.deadline && nextAttemptAt > row.deadline) {
        outcome = 'failed';
        error = `gave up at the deadline: ${error}`;
        nextAttemptAt = null;
      }
    }
    const httpStatus = result.httpStatus ?? null;
    const providerMessageId = result.outcome === 'delivered' ? (result.providerMessageId ?? null) : null;
    const held = await this.options.db.transaction(async (tx) => {
      const stillHeld = await recordAttempt(tx, {
        id: row.id,
        claimToken: row.claim_token!,
        attempt: row.attempts,
        worker: this.workerId,
        startedAt,
        finishedAt,
        outcome,
        httpStatus,
        error,
        providerMessageId,
        nextAttemptAt,
      });
      if (stillHeld && outcome !== 'retry' && queue.onFinished) {
        await queue.onFinished(tx, { id: row.id, queue: row.queue, tenantId: row.tenant_id, orderingKey: row.ordering_key, status: outcome, result });
      }
      return stillHeld;
    });
    this.options.metrics?.attempts.inc({ queue: row.queue, outcome: held ? outcome : 'lost_claim' });
    if (!held) this.options.log.warn({ outbox_id: row.id, queue: row.queue }, 'outbox attempt finished after its claim was taken over');
    else if (outcome === 'failed') this.options.log.warn({ outbox_id: row.id, queue: row.queue, error, attempts: row.attempts }, 'outbox row given up');
  }

  async #retention(): Promise<void> {
    const now = this.options.clock().getTime();
    if (now - this.#lastRetention < RETENTION_EVERY_MS) return;
    this.#lastRetention = now;
    const before = new Date(now - this.options.retentionDays * 86_400_000);
    const deleted = await deleteFinishedRows(this.options.db, before, RETENTION_BATCH);
    if (deleted > 0) this.options.log.info({ deleted }, 'finished outbox rows past retention deleted');
  }
}

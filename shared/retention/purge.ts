import type { Queryable } from '../db/database.ts';
import { deleteEndedExchanges, deleteRetiredExchanges } from '../exchanges/exchange-repository.ts';
import { deleteEndedWindows } from '../rate-limit/fixed-window.ts';
import { LONGEST_SEND_WINDOW_MS } from '../methods/code/send-limits.ts';
import { deleteSendsBefore } from '../methods/code/send-log-repository.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How many rows one purge deleted, by kind. */
export interface PurgeCounts {
  exchanges: number;
  retiredExchanges: number;
  rateLimitWindows: number;
  /** SMS/email sends older than every send cap's window. */
  codeSends: number;
}

/** Runs `deleteBatch` until a batch comes back short; the total deleted. */
async function inBatches(deleteBatch: () => Promise<number>, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * Deletes what no longer serves anyone: exchanges that ended (enrollments expired, cancelled
 * or failed, sign-in challenges of every end) more than `retentionDays` before `now`, exchange ids retired by a rotation that long ago, and
 * rate-limit counters whose window ended, and SMS/email sends older than every send cap's window. An enrollment that produced an authenticator is kept
 * as long as the authenticator exists. Small batches, each its own statement, so a large
 * backlog never holds locks for long; safe on any number of instances at once.
 */
export async function purgeExpiredRecords(q: Queryable, now: Date, retentionDays: number, batchSize = 500): Promise<PurgeCounts> {
  const before = new Date(now.getTime() - retentionDays * DAY_MS);
  return {
    retiredExchanges: await inBatches(() => deleteRetiredExchanges(q, before, batchSize), batchSize),
    exchanges: await inBatches(() => deleteEndedExchanges(q, before, batchSize), batchSize),
    rateLimitWindows: await inBatches(() => deleteEndedWindows(q, now, batchSize), batchSize),
    codeSends: await inBatches(() => deleteSendsBefore(q, new Date(now.getTime() - LONGEST_SEND_WINDOW_MS), batchSize), batchSize),
  };
}

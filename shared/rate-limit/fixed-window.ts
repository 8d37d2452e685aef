import type { Queryable } from '../db/database.ts';

/** What one `consume` decided. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in this window after this one (0 when refused). */
  remaining: number;
  /** Seconds until the window ends and the count starts again (at least 1). */
  retryAfterSeconds: number;
}

/**
 * The key of a limit: its scope and the parts that identify who is limited (tenant, user, …),
 * encoded so that no two different part lists give the same key whatever characters they hold.
 */
export function rateLimitKey(scope: string, ...parts: string[]): string {
  return JSON.stringify([scope, ...parts]);
}

/**
 * Counts one hit on `key` in the fixed window of `windowSeconds` that holds `now`, unless the
 * window already holds `limit` hits. One statement, in PostgreSQL, so the limit holds across
 * instances: the upsert locks the window's row and re-checks the count on the latest version,
 * so of any number of parallel hits exactly `limit` pass. (A fixed window lets a client spend
 * one window's allowance at its end and the next at its start: at most twice `limit` within
 * `windowSeconds`, never more.)
 */
export async function consume(q: Queryable, key: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitDecision> {
  const windowMs = windowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  const end = start + windowMs;
  const retryAfterSeconds = Math.max(1, Math.ceil((end - now.getTime()) / 1000));
  const { rows } = await q.query<{ hits: number }>(
    `INSERT INTO rate_limit_windows AS w (key, window_start, window_end, hits) VALUES ($1, $2, $3, 1)
     ON CONFLICT (key, window_start) DO UPDATE SET hits = w.hits + 1 WHERE w.hits < $4
     RETURNING hits`,
    [key, new Date(start), new Date(end), limit],
  );
  const hits = rows[0]?.hits;
  if (hits === undefined || hits > limit) return { allowed: false, remaining: 0, retryAfterSeconds };
  return { allowed: true, remaining: limit - hits, retryAfterSeconds };
}

/** Deletes up to `batchSize` counters whose window ended before `now`; how many went. */
export async function deleteEndedWindows(q: Queryable, now: Date, batchSize: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM rate_limit_windows WHERE (key, window_start) IN (
       SELECT key, window_start FROM rate_limit_windows WHERE window_end <= $1 LIMIT $2)`,
    [now, batchSize],
  );
  return rowCount ?? 0;
}

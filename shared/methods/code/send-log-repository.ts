import type { Queryable } from '../../db/database.ts';

// SQL of the send caps (migration 0011, `code_sends`).

/** How many sends `key` had since `since`, and when the oldest of them was. */
interface RecentSends {
  count: number;
  oldest: Date | undefined;
}

/**
 * Serialises every send of `key` until the transaction ends, so a count and the insert that
 * follows it cannot interleave with another instance's: of parallel sends, exactly as many as
 * the cap allows pass.
 */
export async function lockSendKey(tx: Queryable, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

export async function recentSends(tx: Queryable, key: string, since: Date): Promise<RecentSends> {
  const { rows } = await tx.query<{ count: string; oldest: Date | null }>(
    'SELECT count(*) AS count, min(sent_at) AS oldest FROM code_sends WHERE key = $1 AND sent_at > $2',
    [key, since],
  );
  return { count: Number(rows[0]?.count ?? 0), oldest: rows[0]?.oldest ?? undefined };
}

/** Records one send of `key` at `at`, deleting its sends from before `forgetBefore` (past every window). */
export async function recordSend(tx: Queryable, key: string, at: Date, forgetBefore: Date): Promise<void> {
  await tx.query(
    `WITH forgotten AS (DELETE FROM code_sends WHERE key = $1 AND sent_at <= $3)
     INSERT INTO code_sends (key, sent_at) VALUES ($1, $2)`,
    [key, at, forgetBefore],
  );
}

/** Deletes up to `limit` sends from before `before` (the retention sweep); how many went. */
export async function deleteSendsBefore(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    'DELETE FROM code_sends WHERE ctid IN (SELECT ctid FROM code_sends WHERE sent_at < $1 LIMIT $2)',
    [before, limit],
  );
  return rowCount ?? 0;
}

import type { Queryable } from '../../db/database.ts';

// SQL of the backup_codes table (migration 0013) and of the set's summary on its authenticator.

/** Replaces the codes of authenticator `phId` with `hashes` (all unused). */
export async function replaceCodes(q: Queryable, phId: string, hashes: Buffer[]): Promise<void> {
  await q.query('DELETE FROM backup_codes WHERE ph_id = $1', [phId]);
  await q.query('INSERT INTO backup_codes (ph_id, code_hash) SELECT $1, unnest($2::bytea[])', [phId, hashes]);
}

/**
 * Uses the code with `hash`: one conditional UPDATE, so under any race exactly one caller
 * gets true for a code. False when it is unknown or already used.
 */
export async function useCode(q: Queryable, phId: string, hash: Buffer, at: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE backup_codes SET used_at = $3 WHERE ph_id = $1 AND code_hash = $2 AND used_at IS NULL', [phId, hash, at]);
  return (rowCount ?? 0) > 0;
}

/** Whether `hash` is a code of the set that was used already. */
export async function wasUsed(q: Queryable, phId: string, hash: Buffer): Promise<boolean> {
  const { rows } = await q.query<{ used: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM backup_codes WHERE ph_id = $1 AND code_hash = $2 AND used_at IS NOT NULL) AS used',
    [phId, hash],
  );
  return rows[0]?.used === true;
}

/**
 * Brings the authenticator's summary (`data.remaining`, which the devices list shows, and
 * `last_used_at`) up to date with its codes after one was used, in the same transaction.
 *
 * @returns how many unused codes remain.
 */
export async function recordUse(q: Queryable, phId: string, at: Date): Promise<number> {
  const { rows } = await q.query<{ remaining: number }>(
    `UPDATE authenticators SET last_used_at = $2,
       data = jsonb_set(data, '{remaining}', to_jsonb((SELECT count(*)::int FROM backup_codes WHERE ph_id = $1 AND used_at IS NULL)))
     WHERE ph_id = $1 RETURNING (data->>'remaining')::int AS remaining`,
    [phId, at],
  );
  return rows[0]?.remaining ?? 0;
}

/** Sets the summary of a set that was just generated (`data`) and forgets when the old one was last used. */
export async function resetSummary(q: Queryable, phId: string, data: object): Promise<void> {
  await q.query('UPDATE authenticators SET data = $2, last_used_at = NULL WHERE ph_id = $1', [phId, data]);
}

/**
 * How many sets of backup codes were made under each key other than `activeKeyId`: their
 * HMACs cannot be resealed (that needs the codes), so each such key must stay in the keyring
 * until those users generate new sets (npm run reseal reports it).
 */
export async function countSetsUnderOtherKeys(q: Queryable, activeKeyId: string): Promise<Record<string, number>> {
  const { rows } = await q.query<{ key_id: string; n: number }>(
    `SELECT data->>'key_id' AS key_id, count(*)::int AS n FROM authenticators
     WHERE verification_type = 'BACKUPCODE' AND data->>'key_id' <> $1 GROUP BY 1 ORDER BY 1`,
    [activeKeyId],
  );
  return Object.fromEntries(rows.map((r) => [r.key_id, r.n]));
}

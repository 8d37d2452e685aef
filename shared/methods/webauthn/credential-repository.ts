import type { Queryable } from '../../db/database.ts';

/**
 * Serializes registrations of one credential id in a tenant until the transaction ends, so
 * that of two racing registrations of the same credential (for one user or two) the second
 * sees the first's row and is refused, rather than failing on the unique index.
 */
export async function lockCredentialId(q: Queryable, tenantId: string, credentialId: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`webauthn-credential:${tenantId}:${credentialId}`]);
}

/** Whether any FIDO2 or TOUCHID authenticator of the tenant holds this credential id. */
export async function isCredentialRegistered(q: Queryable, tenantId: string, credentialId: string): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM authenticators
       WHERE tenant_id = $1 AND verification_type IN ('FIDO2', 'TOUCHID') AND data ->> 'credential_id' = $2) AS present`,
    [tenantId, credentialId],
  );
  return rows[0]?.present === true;
}

/**
 * Records a verified assertion: the new signature counter, the backup state the authenticator
 * reported and the time of use, as a compare-and-set on the counter the assertion was verified
 * against. `false` when a racing sign-in moved the counter first: this one must not count.
 */
export async function recordAssertion(
  q: Queryable,
  a: { phId: string; verifiedAgainst: number; newCounter: number; backedUp: boolean; at: Date },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE authenticators SET counter = $3, last_used_at = $4, data = jsonb_set(data, '{backed_up}', to_jsonb($5::boolean))
     WHERE ph_id = $1 AND counter = $2`,
    [a.phId, a.verifiedAgainst, a.newCounter, a.at, a.backedUp],
  );
  return (rowCount ?? 0) > 0;
}

import type { Queryable } from '../db/database.ts';
import type { JsonObject } from '../db/json.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { Authenticator } from './authenticator.ts';

interface AuthenticatorRow {
  ph_id: string;
  tenant_id: string;
  sub: string;
  verification_type: VerificationType;
  enrollment_status_id: string | null;
  device_id: string | null;
  push_id: string | null;
  public_key: string | null;
  friendly_name: string | null;
  secret_ciphertext: Buffer | null;
  secret_key_id: string | null;
  counter: string;
  data: JsonObject;
  created_at: Date;
  last_used_at: Date | null;
}

function toAuthenticator(row: AuthenticatorRow): Authenticator {
  return {
    phId: row.ph_id,
    tenantId: row.tenant_id,
    sub: row.sub,
    verificationType: row.verification_type,
    enrollmentStatusId: row.enrollment_status_id,
    deviceId: row.device_id,
    pushId: row.push_id,
    publicKey: row.public_key,
    friendlyName: row.friendly_name,
    secret: row.secret_ciphertext && row.secret_key_id ? { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id } : null,
    // bigint arrives as a string; TOTP steps and signature counts stay far below 2^53.
    counter: Number(row.counter),
    data: row.data,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function insertAuthenticator(q: Queryable, a: Authenticator): Promise<void> {
  await q.query(
    `INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, enrollment_status_id, device_id, push_id, public_key,
       friendly_name, secret_ciphertext, secret_key_id, counter, data, created_at, last_used_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      a.phId, a.tenantId, a.sub, a.verificationType, a.enrollmentStatusId, a.deviceId, a.pushId, a.publicKey, a.friendlyName,
      a.secret?.ciphertext ?? null, a.secret?.keyId ?? null, a.counter, a.data, a.createdAt, a.lastUsedAt,
    ],
  );
}

/**
 * Serializes changes to one user's set of authenticators (until the transaction ends), so two
 * enrollments finishing together cannot both slip under the device limit.
 */
export async function lockUserAuthenticators(q: Queryable, tenantId: string, sub: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`authenticators:${tenantId}:${sub}`]);
}

/**
 * Whether the user has any authenticator, of any method. Every row is an active factor
 * (removing one deletes it), and the query names no type, so each method module added later is
 * covered by the step-up rule without touching it.
 */
export async function hasAuthenticator(q: Queryable, tenantId: string, sub: string): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM authenticators WHERE tenant_id = $1 AND sub = $2) AS present',
    [tenantId, sub],
  );
  return rows[0]?.present === true;
}

export async function countAuthenticators(q: Queryable, tenantId: string, sub: string, type: VerificationType): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM authenticators WHERE tenant_id = $1 AND sub = $2 AND verification_type = $3',
    [tenantId, sub, type],
  );
  return rows[0]?.n ?? 0;
}

export async function listAuthenticators(
  q: Queryable,
  tenantId: string,
  sub: string,
  type?: VerificationType,
): Promise<Authenticator[]> {
  const { rows } = await q.query<AuthenticatorRow>(
    `SELECT * FROM authenticators WHERE tenant_id = $1 AND sub = $2 AND ($3::text IS NULL OR verification_type = $3)
     ORDER BY created_at, ph_id`,
    [tenantId, sub, type ?? null],
  );
  return rows.map(toAuthenticator);
}

export async function findAuthenticator(q: Queryable, tenantId: string, phId: string): Promise<Authenticator | undefined> {
  const { rows } = await q.query<AuthenticatorRow>('SELECT * FROM authenticators WHERE tenant_id = $1 AND ph_id = $2', [tenantId, phId]);
  return rows[0] && toAuthenticator(rows[0]);
}

/** The authenticator `phId` names, whatever its tenant (a device token names only its `ph_id`). */
export async function findAuthenticatorById(q: Queryable, phId: string): Promise<Authenticator | undefined> {
  const { rows } = await q.query<AuthenticatorRow>('SELECT * FROM authenticators WHERE ph_id = $1', [phId]);
  return rows[0] && toAuthenticator(rows[0]);
}

export async function deleteAuthenticator(q: Queryable, tenantId: string, phId: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM authenticators WHERE tenant_id = $1 AND ph_id = $2', [tenantId, phId]);
  return (rowCount ?? 0) > 0;
}

export async function renameAuthenticator(
  q: Queryable,
  tenantId: string,
  phId: string,
  friendlyName: string,
): Promise<Authenticator | undefined> {
  const { rows } = await q.query<AuthenticatorRow>(
    'UPDATE authenticators SET friendly_name = $3 WHERE tenant_id = $1 AND ph_id = $2 RETURNING *',
    [tenantId, phId, friendlyName],
  );
  return rows[0] && toAuthenticator(rows[0]);
}

/**
 * Moves an authenticator's counter forward to `counter` and records its use: succeeds only if
 * the counter was below it. This conditional UPDATE is what makes a TOTP step single-use (and
 * refuses a WebAuthn signature count that does not move forward) under any race.
 */
export async function advanceCounter(q: Queryable, phId: string, counter: number, at: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE authenticators SET counter = $2, last_used_at = $3 WHERE ph_id = $1 AND counter < $2', [
    phId,
    counter,
    at,
  ]);
  return (rowCount ?? 0) > 0;
}


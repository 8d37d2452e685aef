import type { Queryable } from '../db/database.ts';
import type { HashAlgorithm, VerificationType } from '../tenants/method-settings.ts';
import type { Authenticator } from './authenticator.ts';

interface AuthenticatorRow {
  ph_id: string;
  tenant_id: string;
  sub: string;
  verification_type: VerificationType;
  enrollment_status_id: string;
  device_id: string | null;
  push_id: string | null;
  public_key: string | null;
  friendly_name: string | null;
  secret_ciphertext: Buffer;
  secret_key_id: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  window_steps: number;
  last_used_step: string;
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
    secret: { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id },
    params: { algorithm: row.algorithm, digits: row.digits, period: row.period, window: row.window_steps },
    // bigint arrives as a string; TOTP steps stay far below 2^53.
    lastUsedStep: Number(row.last_used_step),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function insertAuthenticator(q: Queryable, a: Authenticator): Promise<void> {
  await q.query(
    `INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, enrollment_status_id, device_id, push_id, public_key,
       friendly_name, secret_ciphertext, secret_key_id, algorithm, digits, period, window_steps, last_used_step, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      a.phId, a.tenantId, a.sub, a.verificationType, a.enrollmentStatusId, a.deviceId, a.pushId, a.publicKey, a.friendlyName,
      a.secret.ciphertext, a.secret.keyId, a.params.algorithm, a.params.digits, a.params.period, a.params.window,
      a.lastUsedStep, a.createdAt,
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
 * Consumes TOTP step `step` of an authenticator: succeeds only if no code at or after it was
 * accepted before. This conditional UPDATE is what makes a code single-use under any race.
 */
export async function consumeStep(q: Queryable, phId: string, step: number, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    'UPDATE authenticators SET last_used_step = $2, last_used_at = $3 WHERE ph_id = $1 AND last_used_step < $2',
    [phId, step, at],
  );
  return (rowCount ?? 0) > 0;
}

import type { Queryable } from '../db/database.ts';
import type { HashAlgorithm, VerificationType } from '../tenants/method-settings.ts';
import type { Enrollment } from './enrollment.ts';
import { TRANSITIONS, isTerminal, type EnrollmentEvent, type EnrollmentStatus } from './state-machine.ts';

interface EnrollmentRow {
  status_id: string;
  exchange_id: string;
  tenant_id: string;
  sub: string;
  verification_type: VerificationType;
  status: EnrollmentStatus;
  authenticator_client_id: string;
  secret_ciphertext: Buffer | null;
  secret_key_id: string | null;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  window_steps: number;
  device_id: string | null;
  push_id: string | null;
  public_key: string | null;
  ph_id: string | null;
  failed_attempts: number;
  max_attempts: number;
  stepped_up: boolean;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toEnrollment(row: EnrollmentRow): Enrollment {
  return {
    statusId: row.status_id,
    exchangeId: row.exchange_id,
    tenantId: row.tenant_id,
    sub: row.sub,
    verificationType: row.verification_type,
    status: row.status,
    authenticatorClientId: row.authenticator_client_id,
    secret: row.secret_ciphertext && row.secret_key_id ? { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id } : null,
    params: { algorithm: row.algorithm, digits: row.digits, period: row.period, window: row.window_steps },
    deviceId: row.device_id,
    pushId: row.push_id,
    publicKey: row.public_key,
    phId: row.ph_id,
    failedAttempts: row.failed_attempts,
    maxAttempts: row.max_attempts,
    steppedUp: row.stepped_up,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export async function insertEnrollment(q: Queryable, e: Enrollment): Promise<void> {
  await q.query(
    `INSERT INTO enrollments (status_id, exchange_id, tenant_id, sub, verification_type, status, authenticator_client_id,
       secret_ciphertext, secret_key_id, algorithm, digits, period, window_steps, max_attempts, expires_at, created_at, updated_at, version,
       stepped_up)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 1, $17)`,
    [
      e.statusId, e.exchangeId, e.tenantId, e.sub, e.verificationType, e.status, e.authenticatorClientId,
      e.secret?.ciphertext, e.secret?.keyId, e.params.algorithm, e.params.digits, e.params.period, e.params.window,
      e.maxAttempts, e.expiresAt, e.createdAt, e.steppedUp,
    ],
  );
}

/** The enrollment an exchange id completes; `forUpdate` locks it until the transaction ends. */
export async function findByExchangeId(q: Queryable, exchangeId: string, forUpdate = false): Promise<Enrollment | undefined> {
  const { rows } = await q.query<EnrollmentRow>(
    `SELECT * FROM enrollments WHERE exchange_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [exchangeId],
  );
  return rows[0] && toEnrollment(rows[0]);
}

export async function findByStatusId(q: Queryable, statusId: string): Promise<Enrollment | undefined> {
  const { rows } = await q.query<EnrollmentRow>('SELECT * FROM enrollments WHERE status_id = $1', [statusId]);
  return rows[0] && toEnrollment(rows[0]);
}

/** Whether `exchangeId` once belonged to an enrollment and was replaced by a rotation. */
export async function isRetiredExchange(q: Queryable, exchangeId: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM retired_exchanges WHERE exchange_id = $1', [exchangeId]);
  return (rowCount ?? 0) > 0;
}

export async function retireExchange(q: Queryable, exchangeId: string, statusId: string, at: Date): Promise<void> {
  await q.query('INSERT INTO retired_exchanges (exchange_id, status_id, retired_at) VALUES ($1, $2, $3)', [exchangeId, statusId, at]);
}

/** Columns a transition may set besides the status itself. */
export interface TransitionChanges {
  exchangeId?: string;
  secret?: { ciphertext: Buffer; keyId: string };
  expiresAt?: Date;
  deviceId?: string | null;
  pushId?: string | null;
  publicKey?: string | null;
  phId?: string;
  failedAttempts?: number;
}

const COLUMN_OF: Record<Exclude<keyof TransitionChanges, 'secret'>, string> = {
  exchangeId: 'exchange_id',
  expiresAt: 'expires_at',
  deviceId: 'device_id',
  pushId: 'push_id',
  publicKey: 'public_key',
  phId: 'ph_id',
  failedAttempts: 'failed_attempts',
};

/**
 * Applies `event` only if the enrollment is still in a state that allows it and, for every
 * event but `expire`, has not expired at `now`. One conditional UPDATE: of two racing
 * requests exactly one gets the row back.
 *
 * @returns the updated enrollment, or undefined when the condition did not hold.
 */
export async function applyTransition(
  q: Queryable,
  statusId: string,
  event: EnrollmentEvent,
  now: Date,
  changes: TransitionChanges = {},
): Promise<Enrollment | undefined> {
  const { from, to } = TRANSITIONS[event];
  const params: unknown[] = [statusId, from, to, now];
  const sets = ['status = $3', 'updated_at = $4', 'version = version + 1'];
  for (const [key, column] of Object.entries(COLUMN_OF) as [keyof typeof COLUMN_OF, string][]) {
    if (changes[key] === undefined) continue;
    params.push(changes[key]);
    sets.push(`${column} = $${params.length}`);
  }
  if (isTerminal(to) || to === 'ENROLLED') {
    sets.push('secret_ciphertext = NULL', 'secret_key_id = NULL');
  } else if (changes.secret) {
    params.push(changes.secret.ciphertext, changes.secret.keyId);
    sets.push(`secret_ciphertext = $${params.length - 1}`, `secret_key_id = $${params.length}`);
  }
  const notExpired = event === 'expire' ? 'expires_at <= $4' : 'expires_at > $4';
  const { rows } = await q.query<EnrollmentRow>(
    `UPDATE enrollments SET ${sets.join(', ')}
     WHERE status_id = $1 AND status = ANY($2::text[]) AND ${notExpired}
     RETURNING *`,
    params,
  );
  return rows[0] && toEnrollment(rows[0]);
}

/** Counts one wrong code; the caller decides whether the enrollment has now failed. */
export async function recordFailedAttempt(q: Queryable, statusId: string): Promise<number> {
  const { rows } = await q.query<{ failed_attempts: number }>(
    'UPDATE enrollments SET failed_attempts = failed_attempts + 1 WHERE status_id = $1 RETURNING failed_attempts',
    [statusId],
  );
  return rows[0]?.failed_attempts ?? 0;
}

/** Moves every live enrollment whose exchange lifetime ended by `now` to EXPIRED. */
export async function expireDue(q: Queryable, now: Date, limit: number): Promise<Enrollment[]> {
  const { rows } = await q.query<EnrollmentRow>(
    `UPDATE enrollments SET status = 'EXPIRED', updated_at = $1, version = version + 1,
       secret_ciphertext = NULL, secret_key_id = NULL
     WHERE status_id IN (
       SELECT status_id FROM enrollments
       WHERE status IN ('INITIATED', 'SCANNED') AND expires_at <= $1
       ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [now, limit],
  );
  return rows.map(toEnrollment);
}

/**
 * Deletes up to `limit` enrollments that ended (EXPIRED, CANCELLED, FAILED) before `before`,
 * with their retired exchanges. Never one an authenticator still refers to.
 *
 * @returns how many were deleted.
 */
export async function deleteEndedEnrollments(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM enrollments WHERE status_id IN (
       SELECT e.status_id FROM enrollments e
       WHERE e.status IN ('EXPIRED', 'CANCELLED', 'FAILED') AND e.updated_at < $1
         AND NOT EXISTS (SELECT 1 FROM authenticators a WHERE a.enrollment_status_id = e.status_id)
       LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

/** Deletes up to `limit` exchange ids retired by a rotation before `before`; how many went. */
export async function deleteRetiredExchanges(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM retired_exchanges WHERE exchange_id IN (
       SELECT exchange_id FROM retired_exchanges WHERE retired_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

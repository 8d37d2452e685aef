import type { Queryable } from '../db/database.ts';
import type { VerificationType } from '../tenants/verification-type.ts';

export interface ThrottleState {
  failures: number;
  lockedUntil: Date | null;
}

/**
 * Locks the user's throttle row (creating it) for the rest of the transaction: sign-ins of one
 * user are serialized, so concurrent wrong guesses are all counted.
 */
export async function lockThrottle(q: Queryable, tenantId: string, sub: string, type: VerificationType): Promise<ThrottleState> {
  await q.query(
    `INSERT INTO sign_in_throttle (tenant_id, sub, verification_type) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, sub, verification_type) DO NOTHING`,
    [tenantId, sub, type],
  );
  const { rows } = await q.query<{ failures: number; locked_until: Date | null }>(
    'SELECT failures, locked_until FROM sign_in_throttle WHERE tenant_id = $1 AND sub = $2 AND verification_type = $3 FOR UPDATE',
    [tenantId, sub, type],
  );
  return { failures: rows[0]!.failures, lockedUntil: rows[0]!.locked_until };
}

export async function saveThrottle(q: Queryable, tenantId: string, sub: string, type: VerificationType, state: ThrottleState): Promise<void> {
  await q.query(
    'UPDATE sign_in_throttle SET failures = $4, locked_until = $5 WHERE tenant_id = $1 AND sub = $2 AND verification_type = $3',
    [tenantId, sub, type, state.failures, state.lockedUntil],
  );
}

import type { Queryable } from '../db/database.ts';
import { ensureTenant } from '../tenants/method-config-repository.ts';
import type { VerificationType } from '../tenants/verification-type.ts';

export interface ThrottleState {
  failures: number;
  lockedUntil: Date | null;
}

const LOCK =
  'SELECT failures, locked_until FROM sign_in_throttle WHERE tenant_id = $1 AND sub = $2 AND verification_type = $3 FOR UPDATE';

/**
 * Locks the user's throttle row (creating it) for the rest of the transaction: sign-ins of one
 * user are serialized, so concurrent wrong guesses are all counted. A user who signed in before
 * has the row: one statement. Only the first time are the tenant (its foreign key) and the row
 * inserted, so the sign-in hot path writes neither; parallel first times both insert with
 * ON CONFLICT DO NOTHING and then queue on the row's lock.
 */
export async function lockThrottle(q: Queryable, tenantId: string, sub: string, type: VerificationType): Promise<ThrottleState> {
  type Row = { failures: number; locked_until: Date | null };
  let { rows } = await q.query<Row>(LOCK, [tenantId, sub, type]);
  if (rows.length === 0) {
    await ensureTenant(q, tenantId);
    await q.query(
      `INSERT INTO sign_in_throttle (tenant_id, sub, verification_type) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, sub, verification_type) DO NOTHING`,
      [tenantId, sub, type],
    );
    ({ rows } = await q.query<Row>(LOCK, [tenantId, sub, type]));
  }
  return { failures: rows[0]!.failures, lockedUntil: rows[0]!.locked_until };
}

export async function saveThrottle(q: Queryable, tenantId: string, sub: string, type: VerificationType, state: ThrottleState): Promise<void> {
  await q.query(
    'UPDATE sign_in_throttle SET failures = $4, locked_until = $5 WHERE tenant_id = $1 AND sub = $2 AND verification_type = $3',
    [tenantId, sub, type, state.failures, state.lockedUntil],
  );
}

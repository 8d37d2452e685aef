import type { Queryable } from '../../db/database.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import { findAuthenticatorById } from '../../authenticators/authenticator-repository.ts';

// PUSH's own storage (migration 0010): single-use device token ids, fatigue lockouts, and the
// queries over a user's challenges that only PUSH asks.

/** The enrolled PUSH device a token's `kid` names, of whatever tenant; undefined when none. */
export async function findPushDevice(q: Queryable, phId: string): Promise<Authenticator | undefined> {
  const found = await findAuthenticatorById(q, phId);
  return found?.verificationType === 'PUSH' ? found : undefined;
}

/**
 * Records a device token id as used until `expiresAt`. False when this device already used it
 * (the primary key decides, so two requests racing with one token cannot both pass). The
 * device's ids that expired are dropped on the way: a device keeps at most its live ones.
 */
export async function useTokenId(q: Queryable, phId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
  // One statement (one commit): every device request pays for it.
  const { rowCount } = await q.query(
    `WITH expired AS (DELETE FROM push_device_token_uses WHERE ph_id = $1 AND expires_at < $4)
     INSERT INTO push_device_token_uses (ph_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [phId, jti, expiresAt, now],
  );
  return rowCount === 1;
}

/** A challenge as the device sees it: never the number, never the hidden details. */
export interface PendingChallengeRow {
  exchange_id: string;
  status_id: string;
  method_state: Record<string, unknown>;
  expires_at: Date;
  created_at: Date;
}

/** The user's live PUSH challenges, oldest first. */
export async function listPendingChallenges(q: Queryable, tenantId: string, sub: string, now: Date): Promise<PendingChallengeRow[]> {
  const { rows } = await q.query<PendingChallengeRow>(
    `SELECT exchange_id, status_id, method_state, expires_at, created_at FROM exchanges
      WHERE kind = 'challenge' AND verification_type = 'PUSH' AND status = 'INITIATED'
        AND tenant_id = $1 AND sub = $2 AND expires_at > $3
      ORDER BY created_at, exchange_id`,
    [tenantId, sub, now],
  );
  return rows;
}

/** How many PUSH challenges of the user wait for an answer (the fatigue limit counts them). */
export async function countPendingChallenges(q: Queryable, tenantId: string, sub: string, now: Date): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM exchanges
      WHERE kind = 'challenge' AND verification_type = 'PUSH' AND status = 'INITIATED'
        AND tenant_id = $1 AND sub = $2 AND expires_at > $3`,
    [tenantId, sub, now],
  );
  return rows[0]!.n;
}

/** How many of the user's PUSH challenges were denied since `since`. */
export async function countDenials(q: Queryable, tenantId: string, sub: string, since: Date): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM exchanges
      WHERE kind = 'challenge' AND verification_type = 'PUSH' AND status = 'DENIED'
        AND tenant_id = $1 AND sub = $2 AND updated_at >= $3`,
    [tenantId, sub, since],
  );
  return rows[0]!.n;
}

/** Until when PUSH is locked for the user, if it is at `now`. */
export async function findLockout(q: Queryable, tenantId: string, sub: string, now: Date): Promise<Date | undefined> {
  const { rows } = await q.query<{ locked_until: Date }>(
    'SELECT locked_until FROM push_lockouts WHERE tenant_id = $1 AND sub = $2 AND locked_until > $3',
    [tenantId, sub, now],
  );
  return rows[0]?.locked_until;
}

/** Locks PUSH for the user until `until` (a later lock wins over an earlier one). */
export async function saveLockout(q: Queryable, tenantId: string, sub: string, until: Date, reason: 'denials' | 'fraud'): Promise<void> {
  await q.query(
    `INSERT INTO push_lockouts (tenant_id, sub, locked_until, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, sub) DO UPDATE SET locked_until = GREATEST(push_lockouts.locked_until, EXCLUDED.locked_until),
       reason = CASE WHEN EXCLUDED.locked_until >= push_lockouts.locked_until THEN EXCLUDED.reason ELSE push_lockouts.reason END`,
    [tenantId, sub, until, reason],
  );
}

import type { Queryable } from '../../db/database.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import { findAuthenticatorById } from '../../authenticators/authenticator-repository.ts';
import { challengeAnnouncement } from './challenge-inbox.ts';

// PUSH's own storage (migration 0010): single-use device token ids, fatigue lockouts, and the
// queries over a user's challenges that only PUSH asks.

/** The enrolled PUSH device a token's `kid` names, of whatever tenant; undefined when none. */
export async function findPushDevice(q: Queryable, phId: string): Promise<Authenticator | undefined> {
  const found = await findAuthenticatorById(q, phId);
  return found?.verificationType === 'PUSH' ? found : undefined;
}

/** What recording a device token id found: fresh (now used), already used, or no such enrolled device. */
export type TokenIdUse = 'used' | 'replayed' | 'not_enrolled';

/** A challenge as the device sees it: never the number, never the hidden details. */
export interface PendingChallengeRow {
  exchange_id: string;
  status_id: string;
  method_state: Record<string, unknown>;
  expires_at: Date;
  created_at: Date;
}

/**
 * The SQL condition of a PUSH challenge still waiting for the user's devices (the list a device
 * polls, and what the fatigue limit counts), on the columns of `table` (an alias, or '' for the
 * only table), for the user `tenant`/`sub` at `now` (each a parameter or a column).
 */
function livePushChallenge(table: string, tenant: string, sub: string, now: string): string {
  const c = table ? `${table}.` : '';
  return `${c}kind = 'challenge' AND ${c}verification_type = 'PUSH' AND ${c}status = 'INITIATED'
        AND ${c}tenant_id = ${tenant} AND ${c}sub = ${sub} AND ${c}expires_at > ${now}`;
}

/** The user's live PUSH challenges, oldest first. */
export async function listPendingChallenges(q: Queryable, tenantId: string, sub: string, now: Date): Promise<PendingChallengeRow[]> {
  const { rows } = await q.query<PendingChallengeRow>(
    `SELECT exchange_id, status_id, method_state, expires_at, created_at FROM exchanges
      WHERE ${livePushChallenge('', '$1', '$2', '$3')}
      ORDER BY created_at, exchange_id`,
    [tenantId, sub, now],
  );
  return rows;
}

/**
 * The live PUSH challenges of the device's user, oldest first, read together with the device
 * itself: undefined when the device is no longer enrolled. One statement, as every poll and
 * feed refresh pays for it.
 */
export async function listPendingForDevice(q: Queryable, phId: string, now: Date): Promise<PendingChallengeRow[] | undefined> {
  const { rows } = await q.query<{ [K in keyof PendingChallengeRow]: PendingChallengeRow[K] | null }>(
    `SELECT e.exchange_id, e.status_id, e.method_state, e.expires_at, e.created_at
       FROM authenticators a
       LEFT JOIN exchanges e ON ${livePushChallenge('e', 'a.tenant_id', 'a.sub', '$2')}
      WHERE a.ph_id = $1 AND a.verification_type = 'PUSH'
      ORDER BY e.created_at, e.exchange_id`,
    [phId, now],
  );
  if (rows.length === 0) return undefined;
  return rows.filter((row): row is PendingChallengeRow => row.exchange_id !== null);
}

/**
 * Records a device token id as used until `expiresAt`, if the device is still an enrolled PUSH
 * device, and reads the live PUSH challenges of its user, oldest first: one statement (one
 * commit), as every long poll and feed pays for it. `replayed` when this device already used the
 * id (the primary key decides, so two requests racing with one token cannot both pass); the list
 * is only returned for a fresh id. The device's ids that expired are dropped on the way: a device
 * keeps at most its live ones.
 */
export async function useTokenIdAndListPending(q: Queryable, phId: string, jti: string, expiresAt: Date, now: Date): Promise<{ use: TokenIdUse; pending: PendingChallengeRow[] }> {
  const { rows } = await q.query<{ fresh: boolean } & { [K in keyof PendingChallengeRow]: PendingChallengeRow[K] | null }>(
    `WITH device AS (SELECT ph_id, tenant_id, sub FROM authenticators WHERE ph_id = $1 AND verification_type = 'PUSH'),
          expired AS (DELETE FROM push_device_token_uses WHERE ph_id = $1 AND expires_at < $4),
          used AS (INSERT INTO push_device_token_uses (ph_id, jti, expires_at) SELECT ph_id, $2, $3 FROM device
                   ON CONFLICT DO NOTHING RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM used) AS fresh, e.exchange_id, e.status_id, e.method_state, e.expires_at, e.created_at
       FROM device d
       LEFT JOIN exchanges e ON ${livePushChallenge('e', 'd.tenant_id', 'd.sub', '$4')}
      ORDER BY e.created_at, e.exchange_id`,
    [phId, jti, expiresAt, now],
  );
  if (rows.length === 0) return { use: 'not_enrolled', pending: [] };
  if (!rows[0]!.fresh) return { use: 'replayed', pending: [] };
  const pending = rows.flatMap(({ fresh: _fresh, ...row }) => (row.exchange_id === null ? [] : [row as PendingChallengeRow]));
  return { use: 'used', pending };
}

/** An approved challenge the sign-in client has just collected. */
export interface CollectedChallenge {
  statusId: string;
  phId: string;
  hiddenDetails: Record<string, unknown>;
}

/**
 * Marks the user's approved PUSH challenge as collected, unless it already was, in one
 * statement: the row lock and the re-checked condition let exactly one of any concurrent
 * collections through. Undefined for anything else (unknown, another user's, pending, denied,
 * collected already): the caller says which.
 */
export async function collectApproved(q: Queryable, who: { tenantId: string; sub: string }, exchangeId: string): Promise<CollectedChallenge | undefined> {
  const { rows } = await q.query<{ status_id: string; ph_id: string; hidden_details: Record<string, unknown> | null }>(
    `UPDATE exchanges SET method_state = method_state || '{"collected": true}'::jsonb
      WHERE exchange_id = $1 AND kind = 'challenge' AND verification_type = 'PUSH' AND tenant_id = $2 AND sub = $3
        AND status = 'AUTHENTICATED' AND ph_id IS NOT NULL AND (method_state -> 'collected') IS DISTINCT FROM 'true'::jsonb
      RETURNING status_id, ph_id, method_state -> 'hidden_details' AS hidden_details`,
    [exchangeId, who.tenantId, who.sub],
  );
  const row = rows[0];
  return row && { statusId: row.status_id, phId: row.ph_id, hiddenDetails: row.hidden_details ?? {} };
}

/** What admitting a new challenge looks at, under the user's PUSH lock. */
export interface PushAdmission {
  /** Until when PUSH is locked for the user, if it is. */
  lockedUntil: Date | undefined;
  /** How many of the user's challenges wait for an answer (the fatigue limit counts them). */
  pending: number;
  /** How many PUSH devices the user has (a removal may have committed since the first look). */
  devices: number;
}

/**
 * Reads {@link PushAdmission} and announces the new challenge to the user's devices, in one
 * statement (initiation's critical path pays for each round trip). The announcement is sent on
 * commit: when the caller refuses the challenge and rolls back, nothing is sent.
 */
export async function readAdmissionAndAnnounce(q: Queryable, tenantId: string, sub: string, now: Date): Promise<PushAdmission> {
  const { channel, payload } = challengeAnnouncement(tenantId, sub);
  const { rows } = await q.query<{ locked_until: Date | null; pending: number; devices: number }>(
    `SELECT (SELECT locked_until FROM push_lockouts WHERE tenant_id = $1 AND sub = $2 AND locked_until > $3) AS locked_until,
            (SELECT count(*)::int FROM exchanges WHERE ${livePushChallenge('', '$1', '$2', '$3')}) AS pending,
            (SELECT count(*)::int FROM authenticators WHERE tenant_id = $1 AND sub = $2 AND verification_type = 'PUSH') AS devices,
            pg_notify($4, $5) AS announced`,
    [tenantId, sub, now, channel, payload],
  );
  const row = rows[0]!;
  return { lockedUntil: row.locked_until ?? undefined, pending: row.pending, devices: row.devices };
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

/** Locks PUSH for the user until `until` (a later lock wins over an earlier one). */
export async function saveLockout(q: Queryable, tenantId: string, sub: string, until: Date, reason: 'denials' | 'fraud'): Promise<void> {
  await q.query(
    `INSERT INTO push_lockouts (tenant_id, sub, locked_until, reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, sub) DO UPDATE SET locked_until = GREATEST(push_lockouts.locked_until, EXCLUDED.locked_until),
       reason = CASE WHEN EXCLUDED.locked_until >= push_lockouts.locked_until THEN EXCLUDED.reason ELSE push_lockouts.reason END`,
    [tenantId, sub, until, reason],
  );
}

import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { SecurityEventRecorder } from '../../security-events/index.ts';
import { applyAndAnnounce, type TransitionContext } from '../../exchanges/exchange-access.ts';
import { countDenials, listPendingChallenges, readAdmissionAndAnnounce, saveLockout } from './push-repository.ts';

// Push-fatigue defences (DESIGN §10): a user bombarded with prompts must not be worn down into
// approving one. At most 3 challenges wait at once; 3 denials within 10 minutes, or one answer
// reported as fraud, lock PUSH for the user for 15 minutes.

const MAX_PENDING = 3;
const DENIAL_WINDOW_MS = 10 * 60_000;
const DENIALS_TO_LOCK = 3;
const LOCK_MS = 15 * 60_000;

/** Serializes a user's PUSH initiations and answers, so the limits hold under concurrency. */
export async function lockUserPush(tx: Queryable, tenantId: string, sub: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 10))', [`push:${tenantId}:${sub}`]);
}

/**
 * Refuses a new challenge while PUSH is locked for the user or 3 challenges already wait, and
 * when no device is left: the devices are counted again under the lock, so a removal that
 * committed since the caller listed them (and cancelled what waited) is not followed by a
 * challenge nobody can answer. The same statement announces the challenge to the user's
 * devices: sent when the caller's transaction commits, so only for a challenge admitted.
 *
 * @throws VerificationError PUSH_LOCKED, PUSH_TOO_MANY_PENDING (each with Retry-After), NO_AUTHENTICATOR
 */
export async function admitAndAnnounceChallenge(tx: Queryable, tenantId: string, sub: string, now: Date): Promise<void> {
  await lockUserPush(tx, tenantId, sub);
  const { lockedUntil, pending, devices } = await readAdmissionAndAnnounce(tx, tenantId, sub, now);
  if (devices === 0) throw new VerificationError('NO_AUTHENTICATOR');
  if (lockedUntil) {
    const retryAfter = Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000);
    throw new VerificationError('PUSH_LOCKED', `push sign-in is locked until ${lockedUntil.toISOString()}`, { retryAfterS: retryAfter });
  }
  if (pending >= MAX_PENDING) {
    throw new VerificationError('PUSH_TOO_MANY_PENDING', `at most ${MAX_PENDING} push challenges wait at once; answer or cancel one`, { retryAfterS: 10 });
  }
}

/**
 * After a denial (committed in `tx`): locks PUSH when it was reported as fraud or is the third
 * within the window, records the lockout, and cancels the user's other waiting challenges, so
 * a bombarded user stops being prompted at once.
 */
export async function afterDenial(tx: Queryable, events: SecurityEventRecorder, who: { tenantId: string; sub: string }, fraud: boolean, now: Date): Promise<void> {
  const denials = await countDenials(tx, who.tenantId, who.sub, new Date(now.getTime() - DENIAL_WINDOW_MS));
  if (!fraud && denials < DENIALS_TO_LOCK) return;
  const lockedUntil = new Date(now.getTime() + LOCK_MS);
  await saveLockout(tx, who.tenantId, who.sub, lockedUntil, fraud ? 'fraud' : 'denials');
  await events.record(tx, { event: 'lockout.started', tenantId: who.tenantId, sub: who.sub, type: 'PUSH', failures: denials, lockedUntil });
  await cancelPendingChallenges(tx, who.tenantId, who.sub, { now, events });
}

/** Cancels the user's waiting PUSH challenges, each announced to its watchers and recorded. */
export async function cancelPendingChallenges(tx: Queryable, tenantId: string, sub: string, at: TransitionContext): Promise<void> {
  for (const pending of await listPendingChallenges(tx, tenantId, sub, at.now)) {
    await applyAndAnnounce(tx, 'challenge', pending.status_id, 'cancel', at);
  }
}

import type { Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import { LockoutNotices } from './lockout-notices.ts';
import { lockedUntilAfter, startsLockout } from './throttle-policy.ts';
import { lockThrottle, saveThrottle, type ThrottleState } from './throttle-repository.ts';

/** Whose wrong codes are counted: one user of one tenant, for one method. */
export interface ThrottleSubject {
  tenantId: string;
  sub: string;
  type: VerificationType;
}

/**
 * One user's wrong-code throttle (THROTTLE_POLICY), locked for the rest of the caller's
 * transaction: the checks of one user are serialized, so wrong codes sent in parallel are all
 * counted. Every method that checks a code a user types calls it, at sign-in (with or without
 * a challenge) and, where the method wants it, when completing an enrollment.
 */
export interface UserThrottle {
  /** Set while the user must wait: the answer to give (already recorded), without checking the code. */
  readonly refusal: VerificationError | undefined;
  /**
   * Counts one wrong code: records `authentication.wrong_code` (and `lockout.started` when it
   * locks) and returns the INVALID_CODE to answer, with `Retry-After` once the user must wait.
   */
  wrongCode(): Promise<VerificationError>;
  /** A right code: the count starts again. */
  passed(): Promise<void>;
}

function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

function tooManyAttempts(until: Date, now: Date): VerificationError {
  const seconds = secondsUntil(until, now);
  return new VerificationError('TOO_MANY_ATTEMPTS', `too many wrong codes; try again in ${seconds} s`, { retryAfterS: seconds });
}

function invalidCode(wait: number | undefined): VerificationError {
  if (!wait) return new VerificationError('INVALID_CODE', 'the code is not valid');
  return new VerificationError('INVALID_CODE', `the code is not valid; try again in ${wait} s`, { retryAfterS: wait });
}

const lockoutNotices = new LockoutNotices();

/**
 * Locks `subject`'s throttle (creating it). While the user is locked, `refusal` is set and, the
 * first time this process refuses during that lockout, `authentication.throttled` is recorded
 * (LockoutNotices): the caller answers it after its transaction commits (failAfterCommit),
 * without checking the code.
 */
export async function lockUserThrottle(
  tx: Queryable,
  subject: ThrottleSubject,
  now: Date,
  events: SecurityEventRecorder,
): Promise<UserThrottle> {
  const { tenantId, sub, type } = subject;
  const state: ThrottleState = await lockThrottle(tx, tenantId, sub, type);
  let refusal: VerificationError | undefined;
  if (state.lockedUntil && state.lockedUntil > now) {
    if (lockoutNotices.firstRefusal(`${tenantId}\u0000${sub}\u0000${type}`, state.lockedUntil, now)) {
      await events.record(tx, { event: 'authentication.throttled', ...subject, retryAfterS: secondsUntil(state.lockedUntil, now) });
    }
    refusal = tooManyAttempts(state.lockedUntil, now);
  }
  return {
    refusal,
    async wrongCode() {
      const failures = state.failures + 1;
      const lockedUntil = lockedUntilAfter(failures, now);
      await saveThrottle(tx, tenantId, sub, type, { failures, lockedUntil });
      const wait = lockedUntil ? secondsUntil(lockedUntil, now) : undefined;
      const lockout = lockedUntil && startsLockout(failures) ? [{ event: 'lockout.started', ...subject, failures, lockedUntil } as const] : [];
      await events.record(tx, { event: 'authentication.wrong_code', ...subject, failures, retryAfterS: wait }, ...lockout);
      return invalidCode(wait);
    },
    async passed() {
      await saveThrottle(tx, tenantId, sub, type, { failures: 0, lockedUntil: null });
    },
  };
}

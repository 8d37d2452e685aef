import type { Database, Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { matchCode, openSecret, resealSecret, type SecretKeyring } from '../otp/index.ts';
import { replaceSealedSecret } from '../key-rotation/sealed-secret-repository.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import { ensureTenant } from '../tenants/method-config-repository.ts';
import { requireActiveMethod } from '../tenants/method-config.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import { secretBinding } from '../enrollment/enrollment.ts';
import type { VerificationAssertions } from '../step-up/assertion.ts';
import { failAfterCommit, runOutcome, succeed } from '../enrollment/outcome.ts';
import type { Authenticator } from './authenticator.ts';
import { consumeStep, listAuthenticators } from './authenticator-repository.ts';
import { lockedUntilAfter, startsLockout } from './throttle-policy.ts';
import { lockThrottle, saveThrottle } from './throttle-repository.ts';

export interface SignInRequest {
  tenantId: string;
  sub: string;
  type: VerificationType;
  passCode: string;
  now: Date;
  keyring: SecretKeyring;
  /** Records wrong codes, replays, lockouts and successes in the transaction of the sign-in. */
  events: SecurityEventRecorder;
  /** Mints the step-up assertion a successful sign-in returns. */
  assertions: VerificationAssertions;
  /** Told about an authenticator whose secret cannot be decrypted (tampered row, retired key). */
  onUnreadableSecret?: (phId: string, err: unknown) => void;
}

export interface SignInResult {
  status: 'AUTHENTICATED';
  sub: string;
  verification_type: VerificationType;
  ph_id: string;
  authenticated_at: string;
  /** Proof of this sign-in for the step-up rule: send it back as `Verification-Assertion`. */
  assertion: string;
}

function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

function retryAfter(until: Date, now: Date): VerificationError {
  const seconds = secondsUntil(until, now);
  return new VerificationError('TOO_MANY_ATTEMPTS', `too many wrong codes; try again in ${seconds} s`, {
    headers: { 'Retry-After': String(seconds) },
    extensions: { retry_after: seconds },
  });
}

/**
 * Moves an authenticator sealed under a retired key to the active key, now that its secret is
 * open anyway. Conditional on the row still holding the old ciphertext, so a concurrent
 * reseal is never overwritten; the transaction already holds the row (consumeStep).
 */
async function resealAfterRotation(tx: Queryable, keyring: SecretKeyring, a: Authenticator, secret: string): Promise<void> {
  const fresh = resealSecret(keyring, a.secret, secret, secretBinding(a.tenantId, a.sub));
  if (fresh) await replaceSealedSecret(tx, 'authenticators', a.phId, a.secret, fresh);
}

/**
 * Checks a sign-in code against every authenticator of the user. A code is accepted once: its
 * step is consumed with a conditional update, so a replay, or the same code sent twice at
 * once, fails. Wrong codes are throttled per user (see throttle-policy.ts); while locked,
 * codes are not even checked. A success carries a verification assertion, the proof of a
 * fresh second factor that factor changes ask for (DESIGN §8).
 *
 * @throws VerificationError INVALID_CODE, TOO_MANY_ATTEMPTS, NO_AUTHENTICATOR, METHOD_INACTIVE
 */
export async function verifySignIn(db: Database, req: SignInRequest): Promise<SignInResult> {
  const verified = await checkCode(db, req);
  const assertion = await req.assertions.issue({ sub: req.sub, tenantId: req.tenantId }, req.type, req.now);
  return { ...verified, assertion };
}

function checkCode(db: Database, req: SignInRequest): Promise<Omit<SignInResult, 'assertion'>> {
  return runOutcome(db, async (tx) => {
    await requireActiveMethod(tx, req.tenantId, req.type);
    await ensureTenant(tx, req.tenantId);
    const subject = { tenantId: req.tenantId, sub: req.sub, type: req.type };
    const throttle = await lockThrottle(tx, req.tenantId, req.sub, req.type);
    if (throttle.lockedUntil && throttle.lockedUntil > req.now) {
      await req.events.record(tx, { event: 'authentication.throttled', ...subject, retryAfterS: secondsUntil(throttle.lockedUntil, req.now) });
      return failAfterCommit(retryAfter(throttle.lockedUntil, req.now));
    }

    const authenticators = await listAuthenticators(tx, req.tenantId, req.sub, req.type);
    if (authenticators.length === 0) return failAfterCommit(new VerificationError('NO_AUTHENTICATOR'));

    // Every authenticator is checked, matched or not, so timing does not tell which one exists.
    let matched: { authenticator: Authenticator; secret: string; step: number } | undefined;
    let replayed: string | undefined;
    const unreadable: unknown[] = [];
    for (const a of authenticators) {
      let secret: string;
      try {
        secret = openSecret(req.keyring, a.secret, secretBinding(a.tenantId, a.sub));
      } catch (err) {
        req.onUnreadableSecret?.(a.phId, err);
        unreadable.push(err);
        continue;
      }
      const step = matchCode(secret, req.passCode, a.params, req.now.getTime(), { window: a.params.window });
      if (step === null) continue;
      if (step <= a.lastUsedStep) replayed ??= a.phId;
      else matched ??= { authenticator: a, secret, step };
    }
    // Only when no authenticator is usable is this the operator's problem rather than a wrong code.
    if (unreadable.length === authenticators.length) throw unreadable[0];

    if (matched && (await consumeStep(tx, matched.authenticator.phId, matched.step, req.now))) {
      await saveThrottle(tx, req.tenantId, req.sub, req.type, { failures: 0, lockedUntil: null });
      await resealAfterRotation(tx, req.keyring, matched.authenticator, matched.secret);
      await req.events.record(tx, { event: 'authentication.succeeded', ...subject, phId: matched.authenticator.phId });
      return succeed({
        status: 'AUTHENTICATED',
        sub: req.sub,
        verification_type: req.type,
        ph_id: matched.authenticator.phId,
        authenticated_at: req.now.toISOString(),
      });
    }
    // A code that was valid once reveals nothing new about the secret: refuse it without
    // counting, so a double submit or a replayed code cannot push the real user into backoff.
    const usedBy = replayed ?? matched?.authenticator.phId;
    if (usedBy) {
      await req.events.record(tx, { event: 'authentication.replay', ...subject, phId: usedBy });
      return failAfterCommit(new VerificationError('INVALID_CODE', 'this code was already used'));
    }

    const failures = throttle.failures + 1;
    const lockedUntil = lockedUntilAfter(failures, req.now);
    await saveThrottle(tx, req.tenantId, req.sub, req.type, { failures, lockedUntil });
    const wait = lockedUntil ? secondsUntil(lockedUntil, req.now) : undefined;
    await req.events.record(tx, { event: 'authentication.wrong_code', ...subject, failures, retryAfterS: wait });
    if (lockedUntil && startsLockout(failures)) await req.events.record(tx, { event: 'lockout.started', ...subject, failures, lockedUntil });
    if (!wait) return failAfterCommit(new VerificationError('INVALID_CODE', 'the code is not valid'));
    return failAfterCommit(
      new VerificationError('INVALID_CODE', `the code is not valid; try again in ${wait} s`, {
        headers: { 'Retry-After': String(wait) },
        extensions: { retry_after: wait },
      }),
    );
  });
}

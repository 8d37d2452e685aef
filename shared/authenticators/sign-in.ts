import type { Database } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { matchCode, openSecret, type SecretKeyring } from '../otp/index.ts';
import { ensureTenant } from '../tenants/method-config-repository.ts';
import { requireActiveMethod } from '../tenants/method-config.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import { secretBinding } from '../enrollment/enrollment.ts';
import type { VerificationAssertions } from '../step-up/assertion.ts';
import { failAfterCommit, runOutcome, succeed } from '../enrollment/outcome.ts';
import { consumeStep, listAuthenticators } from './authenticator-repository.ts';
import { lockedUntilAfter } from './throttle-policy.ts';
import { lockThrottle, saveThrottle } from './throttle-repository.ts';

export interface SignInRequest {
  tenantId: string;
  sub: string;
  type: VerificationType;
  passCode: string;
  now: Date;
  keyring: SecretKeyring;
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
    const throttle = await lockThrottle(tx, req.tenantId, req.sub, req.type);
    if (throttle.lockedUntil && throttle.lockedUntil > req.now) return failAfterCommit(retryAfter(throttle.lockedUntil, req.now));

    const authenticators = await listAuthenticators(tx, req.tenantId, req.sub, req.type);
    if (authenticators.length === 0) return failAfterCommit(new VerificationError('NO_AUTHENTICATOR'));

    // Every authenticator is checked, matched or not, so timing does not tell which one exists.
    let matched: { phId: string; step: number } | undefined;
    let replayed = false;
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
      if (step <= a.lastUsedStep) replayed = true;
      else matched ??= { phId: a.phId, step };
    }
    // Only when no authenticator is usable is this the operator's problem rather than a wrong code.
    if (unreadable.length === authenticators.length) throw unreadable[0];

    if (matched && (await consumeStep(tx, matched.phId, matched.step, req.now))) {
      await saveThrottle(tx, req.tenantId, req.sub, req.type, { failures: 0, lockedUntil: null });
      return succeed({
        status: 'AUTHENTICATED',
        sub: req.sub,
        verification_type: req.type,
        ph_id: matched.phId,
        authenticated_at: req.now.toISOString(),
      });
    }
    // A code that was valid once reveals nothing new about the secret: refuse it without
    // counting, so a double submit or a replayed code cannot push the real user into backoff.
    if (replayed || matched) return failAfterCommit(new VerificationError('INVALID_CODE', 'this code was already used'));

    const failures = throttle.failures + 1;
    const lockedUntil = lockedUntilAfter(failures, req.now);
    await saveThrottle(tx, req.tenantId, req.sub, req.type, { failures, lockedUntil });
    if (!lockedUntil) return failAfterCommit(new VerificationError('INVALID_CODE', 'the code is not valid'));
    const wait = secondsUntil(lockedUntil, req.now);
    return failAfterCommit(
      new VerificationError('INVALID_CODE', `the code is not valid; try again in ${wait} s`, {
        headers: { 'Retry-After': String(wait) },
        extensions: { retry_after: wait },
      }),
    );
  });
}

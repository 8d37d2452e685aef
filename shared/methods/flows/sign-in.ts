import type { Queryable } from '../../db/database.ts';
import { failAfterCommit, runOutcome, succeed } from '../../db/outcome.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import { createExchange } from '../../exchanges/create-exchange.ts';
import type { Challenge } from '../../exchanges/exchange.ts';
import { lockForEvent, transition } from '../../exchanges/exchange-access.ts';
import { recordFailedAttempt } from '../../exchanges/exchange-repository.ts';
import { enforceInitiationLimit } from '../../rate-limit/initiation-limit.ts';
import { ensureTenantOnce } from '../../tenants/method-config-repository.ts';
import type { CommonSettings } from '../../tenants/method-settings.ts';
import { lockUserThrottle } from '../../throttle/user-throttle.ts';
import type { ChallengeOffer, SignInContext, SignInSuccess } from '../method-module.ts';
import type { MethodSettings } from '../settings.ts';
import { exchangeOffer, type ExchangeSeed } from './enrollment.ts';

/** What a method stores with a new sign-in challenge. */
interface ChallengeSeed extends ExchangeSeed {
  /** The authenticator the challenge is for, when the method picks one now. */
  phId?: string | null;
}

/**
 * Starts a sign-in challenge of `ctx.type` for `ctx.subject`: counted against
 * `INITIATION_RATE_LIMIT` (sign-in challenges share the allowance with enrollments), then in one
 * transaction the method must be active and the user must have an authenticator of it, and the
 * challenge is created and announced. `seed` runs inside that transaction with the settings and
 * the user's authenticators of the method (e.g. to send a code to one of them).
 *
 * @throws VerificationError RATE_LIMITED, METHOD_INACTIVE, NO_AUTHENTICATOR
 */
export async function startChallenge<S extends CommonSettings>(
  ctx: SignInContext,
  settings: MethodSettings<S>,
  seed: (settings: S, authenticators: Authenticator[], tx: Queryable) => ChallengeSeed | Promise<ChallengeSeed>,
): Promise<{ exchange: Challenge; settings: S }> {
  const { tenantId, sub } = ctx.subject;
  await enforceInitiationLimit(ctx.deps.db, { tenantId, sub, limit: ctx.deps.config.initiationRateLimit, now: ctx.now });
  return ctx.deps.db.transaction(async (tx) => {
    const current = await settings.requireActive(ctx.deps.tenantMethods.via(tx), tenantId);
    await ensureTenantOnce(ctx.deps.db, tx, tenantId);
    const authenticators = await listAuthenticators(tx, tenantId, sub, ctx.type);
    if (authenticators.length === 0) throw new VerificationError('NO_AUTHENTICATOR');
    const fields = await seed(current, authenticators, tx);
    // The seed's members are createExchange's, with its defaults; only the lifetime's is the tenant's.
    const exchange = await createExchange(tx, ctx, {
      ...fields,
      kind: 'challenge',
      tenantId,
      sub,
      type: ctx.type,
      lifetimeSeconds: fields.lifetimeSeconds ?? current.exchange_lifetime,
    });
    return { exchange, settings: current };
  });
}

/** The answer fields every challenge initiation starts with: `{exchange_id, status_id, type}`. */
export function challengeOffer(challenge: Challenge): ChallengeOffer {
  return { ...exchangeOffer(challenge), type: challenge.verificationType };
}

/** What a method found checking a code the user typed. */
export type CodeCheck =
  /** The code is right and now used up (the method consumed it in this transaction); `fields` join the answer. */
  | { outcome: 'matched'; phId: string; fields?: Record<string, unknown> }
  /** The code was right once and is used up: refused without counting (a double submit must not cost). */
  | { outcome: 'replayed'; phId: string }
  /** The code is wrong: counted in the user's throttle (and the challenge's attempts). */
  | { outcome: 'wrong' }
  /** Nothing to check the code against, or the like: answered as it is, not counted. */
  | { outcome: 'refused'; error: VerificationError };

interface CodeVerification<S extends CommonSettings> {
  settings: MethodSettings<S>;
  /** The challenge the code answers; none for a method verified directly (TOTP's `{pass_code}`). */
  exchangeId?: string;
  /** The method's check, inside the transaction that holds the user's throttle (and the challenge). */
  check: (tx: Queryable, settings: S, challenge: Challenge | undefined) => Promise<CodeCheck>;
}

/** Counts a wrong code against the challenge; the last allowed one makes it FAILED. */
async function failChallengeAttempt(tx: Queryable, ctx: SignInContext, challenge: Challenge, wrong: VerificationError): Promise<VerificationError> {
  const attempts = await recordFailedAttempt(tx, challenge.statusId);
  if (attempts < challenge.maxAttempts) return wrong;
  await transition(tx, challenge, 'fail', ctx);
  return new VerificationError('CHALLENGE_FAILED', `${attempts} wrong codes: start a new sign-in`);
}

/**
 * Verifies a code a user typed at sign-in, with every rule every code-based method must keep:
 * the method must be active; the challenge named (if any) must be the user's, live and of this
 * method; the user's throttle is locked for the transaction (while it runs, codes are not even
 * checked); a right code resets it and, for a challenge, makes it AUTHENTICATED; a wrong one is
 * counted in the throttle and in the challenge's attempts, the last of which fails it; a
 * replayed one is refused without counting. Each outcome is recorded as a security event in
 * the same transaction.
 *
 * @throws VerificationError METHOD_INACTIVE, CHALLENGE_NOT_FOUND and the challenge's 409s,
 * TOO_MANY_ATTEMPTS, INVALID_CODE, CHALLENGE_FAILED, or what `check` refuses
 */
export function verifySignInCode<S extends CommonSettings>(ctx: SignInContext, v: CodeVerification<S>): Promise<SignInSuccess> {
  const subject = { ...ctx.subject, type: ctx.type };
  return runOutcome(ctx.deps.db, async (tx) => {
    // No tenant upsert here: the throttle creates the tenant the first time only (lockThrottle).
    const settings = await v.settings.requireActive(ctx.deps.tenantMethods.via(tx), subject.tenantId);
    let challenge: Challenge | undefined;
    if (v.exchangeId !== undefined) {
      const locked = await lockForEvent(tx, { kind: 'challenge', type: ctx.type, exchangeId: v.exchangeId }, 'authenticate', ctx, ctx.subject);
      if (!locked.ok) return locked;
      challenge = locked.value;
    }
    const throttle = await lockUserThrottle(tx, subject, ctx.now, ctx.events);
    if (throttle.refusal) return failAfterCommit(throttle.refusal);

    const checked = await v.check(tx, settings, challenge);
    switch (checked.outcome) {
      case 'matched': {
        await throttle.passed();
        const succeeded = { event: 'authentication.succeeded', ...subject, phId: checked.phId } as const;
        // With a challenge, recorded with its transition (one audit statement for both).
        if (challenge) await transition(tx, challenge, 'authenticate', ctx, { phId: checked.phId }, [succeeded]);
        else await ctx.events.record(tx, succeeded);
        return succeed({ phId: checked.phId, ...(challenge ? { statusId: challenge.statusId } : {}), ...(checked.fields ? { fields: checked.fields } : {}) });
      }
      case 'replayed':
        await ctx.events.record(tx, { event: 'authentication.replay', ...subject, phId: checked.phId });
        return failAfterCommit(new VerificationError('INVALID_CODE', 'this code was already used'));
      case 'wrong': {
        const wrong = await throttle.wrongCode();
        return failAfterCommit(challenge ? await failChallengeAttempt(tx, ctx, challenge, wrong) : wrong);
      }
      case 'refused':
        return failAfterCommit(checked.error);
    }
  });
}

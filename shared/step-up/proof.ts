import type { SignInEvidence } from '../auth/principal.ts';
import type { AssertionCheck } from './assertion.ts';
import { namesSecondFactor } from './second-factor-amr.ts';

/** What the step-up rule asks of a proof (STEP_UP_MAX_AGE_S, STEP_UP_ACR, JWT_CLOCK_SKEW_S). */
export interface StepUpPolicy {
  /** Oldest second factor accepted, in seconds. */
  maxAgeS: number;
  /** An `acr` that proves a second factor by itself; none when unset. */
  acr: string | undefined;
  /** Seconds an `auth_time` may lie in the future (clock difference with the identity provider). */
  clockSkewS: number;
}

/**
 * Everything a request brings to prove a fresh second factor: the bearer token's sign-in
 * claims and, when sent, the `Verification-Assertion` header already checked.
 */
export interface StepUpProof {
  /** Whom the proof is about: the caller the bearer token names. */
  caller: { sub: string; tenantId: string };
  token: SignInEvidence;
  assertion: AssertionCheck | undefined;
}

export type Verdict = { ok: true; via: 'token' | 'assertion' } | { ok: false; reason: string };

/** Why `authTime` is not fresh enough at `nowS`, or undefined when it is. */
function staleness(authTime: number | undefined, policy: StepUpPolicy, nowS: number, what: string): string | undefined {
  if (authTime === undefined) return `${what} carries no auth_time`;
  if (authTime > nowS + policy.clockSkewS) return `${what} has an auth_time in the future`;
  if (nowS - authTime > policy.maxAgeS) return `the second factor in ${what} was proved more than ${policy.maxAgeS} s ago`;
  return undefined;
}

function judgeToken(token: SignInEvidence, policy: StepUpPolicy, nowS: number): Verdict {
  const viaAcr = policy.acr !== undefined && token.acr === policy.acr;
  if (!viaAcr && !namesSecondFactor(token.amr)) {
    const wanted = policy.acr === undefined ? 'an amr naming a second factor' : `an amr naming a second factor or acr "${policy.acr}"`;
    return { ok: false, reason: `the bearer token proves only the first factor (it needs ${wanted})` };
  }
  const stale = staleness(token.authTime, policy, nowS, 'the bearer token');
  return stale ? { ok: false, reason: stale } : { ok: true, via: 'token' };
}

function judgeAssertion(check: AssertionCheck, caller: StepUpProof['caller'], policy: StepUpPolicy, nowS: number): Verdict {
  if (!check.ok) return check;
  // Another user's or tenant's assertion reads exactly like a forged one: nothing to probe.
  if (check.claims.sub !== caller.sub || check.claims.tenantId !== caller.tenantId) {
    return { ok: false, reason: 'the Verification-Assertion is not a valid assertion of this service' };
  }
  const stale = staleness(check.claims.authTime, policy, nowS, 'the Verification-Assertion');
  return stale ? { ok: false, reason: stale } : { ok: true, via: 'assertion' };
}

/**
 * Decides whether `proof` shows that its caller proved a second factor within the policy's
 * age. Either kind suffices; when neither does, the reason names what was wrong with the
 * assertion if one was sent (that is what the client tried), else with the token.
 */
export function judgeProof(proof: StepUpProof, policy: StepUpPolicy, now: Date): Verdict {
  const nowS = Math.floor(now.getTime() / 1000);
  const byToken = judgeToken(proof.token, policy, nowS);
  if (byToken.ok || !proof.assertion) return byToken;
  return judgeAssertion(proof.assertion, proof.caller, policy, nowS);
}

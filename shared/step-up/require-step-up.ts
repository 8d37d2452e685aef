import type { Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { hasAuthenticator, lockUserAuthenticators } from '../authenticators/authenticator-repository.ts';
import { judgeProof, type StepUpPolicy, type StepUpProof } from './proof.ts';

/** A request's proof together with the policy it must meet; what factor-changing operations take. */
export interface StepUp {
  proof: StepUpProof;
  policy: StepUpPolicy;
}

export interface StepUpRequest extends StepUp {
  /** The user whose factors change. */
  tenantId: string;
  sub: string;
  now: Date;
}

/**
 * The RFC 9470 challenge: 401 with `error="insufficient_user_authentication"`, the age a proof
 * may have (`max_age`) and, when the identity provider has one, the `acr` that would do.
 */
export function stepUpRequired(reason: string, policy: StepUpPolicy): VerificationError {
  const params = [
    'error="insufficient_user_authentication"',
    'error_description="A fresh second factor is required"',
    `max_age=${policy.maxAgeS}`,
    ...(policy.acr === undefined ? [] : [`acr_values="${policy.acr}"`]),
  ];
  return new VerificationError('STEP_UP_REQUIRED', `changing factors needs a fresh second factor: ${reason}`, {
    headers: { 'WWW-Authenticate': `Bearer ${params.join(', ')}` },
  });
}

/**
 * The step-up rule (DESIGN §8), for every operation that adds, removes or redirects a factor:
 * once the user has an authenticator of any method, the caller must show a fresh proof of a
 * second factor. A user with none needs no proof (that is how the first factor gets enrolled).
 *
 * Call it inside the transaction that makes the change: it takes the user's authenticator
 * lock, so a factor enrolled concurrently is seen, and a proof about another user never counts.
 *
 * @returns true when the user has a factor (and the proof held), false when none was needed.
 * @throws VerificationError STEP_UP_REQUIRED (401 with the RFC 9470 challenge)
 */
export async function requireStepUp(tx: Queryable, req: StepUpRequest): Promise<boolean> {
  await lockUserAuthenticators(tx, req.tenantId, req.sub);
  return judgeStepUp(await hasAuthenticator(tx, req.tenantId, req.sub), req);
}

/**
 * requireStepUp's judgement, for a caller that took the user's authenticator lock itself and
 * learned whether the user has a factor in the same statement as something else it needs
 * (enrollment initiation: one round trip less).
 */
export function judgeStepUp(hasFactor: boolean, req: StepUpRequest): boolean {
  if (!hasFactor) return false;
  const { caller } = req.proof;
  if (caller.sub !== req.sub || caller.tenantId !== req.tenantId) {
    throw stepUpRequired("a proof of one user's second factor cannot change another user's factors", req.policy);
  }
  const verdict = judgeProof(req.proof, req.policy, req.now);
  if (!verdict.ok) throw stepUpRequired(verdict.reason, req.policy);
  return true;
}

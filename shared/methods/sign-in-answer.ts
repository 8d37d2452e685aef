import type { VerificationAssertions } from '../step-up/assertion.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { BodyOperation, SignInBody, SignInContext, SignInSuccess } from './method-module.ts';

/** The answer to a successful sign-in verification, whatever the method. */
interface SignInAnswer {
  status: 'AUTHENTICATED';
  sub: string;
  verification_type: VerificationType;
  ph_id: string;
  /** The challenge answered, when the sign-in went through one. */
  status_id?: string;
  authenticated_at: string;
  /** Proof of this sign-in for the step-up rule: send it back as `Verification-Assertion`. */
  assertion: string;
  [methodField: string]: unknown;
}

/**
 * Turns a method's verified sign-in into the answer, with the verification assertion that
 * factor changes ask for (DESIGN §8), minted here for every method.
 */
async function answerSignIn(ctx: SignInContext, success: SignInSuccess, assertions: VerificationAssertions): Promise<SignInAnswer> {
  const assertion = await assertions.issue(ctx.subject, ctx.type, ctx.now);
  return {
    ...success.fields,
    status: 'AUTHENTICATED',
    sub: ctx.subject.sub,
    verification_type: ctx.type,
    ph_id: success.phId,
    ...(success.statusId ? { status_id: success.statusId } : {}),
    authenticated_at: ctx.now.toISOString(),
    assertion,
  };
}

/**
 * Runs a method's sign-in verification and answers it (assertion included).
 *
 * @throws whatever the method's verification refuses
 */
export async function verifySignIn(
  operation: BodyOperation<SignInContext, SignInSuccess, SignInBody>,
  ctx: SignInContext,
  body: SignInBody,
  assertions: VerificationAssertions,
): Promise<SignInAnswer> {
  return answerSignIn(ctx, await operation.handle(ctx, body), assertions);
}

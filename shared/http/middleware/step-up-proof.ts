import type { Middleware } from 'koa';
import { VerificationError, isVerificationError } from '../../errors/verification-error.ts';
import type { Clock } from '../../clock/clock.ts';
import type { SecurityEventRecorder, StepUpOperation } from '../../security-events/index.ts';
import type { VerificationAssertions } from '../../step-up/assertion.ts';
import type { StepUpPolicy } from '../../step-up/proof.ts';
import type { StepUp } from '../../step-up/require-step-up.ts';
import type { HttpDeps } from '../http-deps.ts';
import type { AppContext, AppState } from '../types.ts';
import { securityEventsFor } from '../security-events.ts';
import { principalOf } from './authenticate.ts';

/** The request header carrying a verification assertion from a sign-in (DESIGN §8). */
export const ASSERTION_HEADER = 'verification-assertion';

/** The step-up policy the configuration sets. */
export function stepUpPolicyOf(config: HttpDeps['config']): StepUpPolicy {
  return { maxAgeS: config.stepUp.maxAgeS, acr: config.stepUp.acr, clockSkewS: config.jwt.clockSkewS };
}

/**
 * For routes that change factors (after `authenticate`): reads the caller's proof of a fresh
 * second factor, once, into `ctx.state.stepUp` (token claims plus the checked
 * `Verification-Assertion` header), for the route to hand to the domain's requireStepUp.
 * A refusal is recorded here as one `stepup.refused` security event (never the token or
 * assertion), after the refused operation rolled back, so the record survives it.
 */
export function stepUpProof(
  { config, clock, assertions, db, securityEvents }: Pick<HttpDeps, 'config' | 'db'> & { clock: Clock; assertions: VerificationAssertions; securityEvents: SecurityEventRecorder },
  operation: StepUpOperation | ((ctx: AppContext) => StepUpOperation),
): Middleware<AppState> {
  const policy = stepUpPolicyOf(config);
  return async (ctx, next) => {
    const principal = principalOf(ctx);
    const header = ctx.get(ASSERTION_HEADER);
    ctx.state.stepUp = {
      policy,
      proof: {
        caller: { sub: principal.sub, tenantId: principal.tenantId },
        token: principal.signIn,
        assertion: header ? await assertions.verify(header, clock()) : undefined,
      },
    };
    try {
      await next();
    } catch (err) {
      if (isVerificationError(err) && err.name === 'STEP_UP_REQUIRED') {
        const events = securityEventsFor(ctx, securityEvents);
        // A transaction of its own: sinks that write rows (the audit chain) need one.
        await db.transaction((tx) =>
          events.record(tx, {
            event: 'stepup.refused',
            tenantId: principal.tenantId,
            sub: principal.sub,
            operation: typeof operation === 'function' ? operation(ctx) : operation,
            reason: err.message,
          }),
        );
      }
      throw err;
    }
  };
}

/** The caller's step-up proof on a route guarded by `stepUpProof`. */
export function stepUpOf(ctx: AppContext): StepUp {
  const { stepUp } = ctx.state;
  if (!stepUp) throw new VerificationError('INTERNAL', 'route reads a step-up proof without the stepUpProof middleware');
  return stepUp;
}

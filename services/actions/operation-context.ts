import type { ActingFor } from '../../shared/auth/acting-for.ts';
import { principalOf } from '../../shared/http/middleware/authenticate.ts';
import { stepUpOf } from '../../shared/http/middleware/step-up-proof.ts';
import { methodOf } from '../../shared/http/method-param.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppContext } from '../../shared/http/types.ts';
import type { InitiationContext, OperationContext, SignInContext, UserContext } from '../../shared/methods/method-module.ts';
import type { QrFormat } from '../../shared/otp/qr.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

/**
 * Where the authenticator app finds this service (`burl`). Production always has
 * `PUBLIC_BASE_URL` (loadConfig requires it), so a forged `Host` or `X-Forwarded-Host` can never
 * point an app at another server there. Elsewhere, for a first run on localhost, the request's
 * own address stands in (`X-Forwarded-*` only with `TRUST_PROXY`).
 */
function baseUrlFor(ctx: AppContext, config: Deps['config']): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  // Koa 3's ctx.origin is the Origin header, not this service's address.
  return `${ctx.protocol}://${ctx.host}`;
}

/** What every method operation gets from the request it serves (no caller: the app path). */
export function operationContext(ctx: AppContext, deps: Deps): OperationContext {
  return {
    deps,
    type: methodOf(ctx).type,
    now: deps.clock(),
    events: securityEventsFor(ctx, deps.securityEvents),
    log: ctx.state.log,
    origin: { baseUrl: baseUrlFor(ctx, deps.config), logoUrl: deps.config.logoUrl },
    ...(ctx.get('Origin') ? { requestOrigin: ctx.get('Origin') } : {}),
  };
}

/** An operation of the bearer token's user on their own enrollments; `qr` as the route's `?qr=` asked. */
export function userContext(ctx: AppContext, deps: Deps, qr: QrFormat = 'png'): UserContext {
  const { tenantId, sub, displayName } = principalOf(ctx);
  return { ...operationContext(ctx, deps), user: { tenantId, sub, displayName }, qr };
}

/** Enrollment initiation: the user with their step-up proof (route guarded by stepUpProof). */
export function initiationContext(ctx: AppContext, deps: Deps, qr: QrFormat = 'png'): InitiationContext {
  return { ...userContext(ctx, deps, qr), stepUp: stepUpOf(ctx) };
}

/** A sign-in operation for the user the acting-for policy settled on. */
export function signInContext(ctx: AppContext, deps: Deps, subject: ActingFor): SignInContext {
  return { ...operationContext(ctx, deps), subject: { tenantId: subject.tenantId, sub: subject.sub } };
}

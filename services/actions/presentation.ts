import type { Principal } from '../../shared/auth/principal.ts';
import type { Presentation } from '../../shared/enrollment/enrollment-offer.ts';
import type { AppContext } from '../../shared/http/types.ts';
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

/** How the caller appears in the authenticator app, and where the app finds this service. */
export function presentationFor(
  ctx: AppContext,
  principal: Principal,
  config: Deps['config'],
): Omit<Presentation, 'issuer' | 'tenantKey'> {
  return {
    displayName: principal.displayName,
    logoUrl: config.logoUrl,
    baseUrl: baseUrlFor(ctx, config),
  };
}

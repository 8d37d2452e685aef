import type { Principal } from '../../shared/auth/principal.ts';
import type { Presentation } from '../../shared/enrollment/enrollment-offer.ts';
import type { AppContext } from '../../shared/http/types.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

/** How the caller appears in the authenticator app, and where the app finds this service. */
export function presentationFor(
  ctx: AppContext,
  principal: Principal,
  config: Deps['config'],
): Omit<Presentation, 'issuer' | 'tenantKey'> {
  return {
    displayName: principal.displayName,
    logoUrl: config.logoUrl,
    // Koa 3's ctx.origin is the Origin header, not this service's address.
    baseUrl: config.publicBaseUrl ?? `${ctx.protocol}://${ctx.host}`,
  };
}

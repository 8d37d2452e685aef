import { resolveRelyingParty, type RelyingParty } from '../../webauthn/index.ts';
import type { OperationContext } from '../method-module.ts';
import type { WebAuthnSettings } from './settings.ts';

/**
 * The relying party a new ceremony of the tenant runs for, from its settings, `PUBLIC_BASE_URL`
 * and (outside production, with nothing configured) the requesting localhost page. The name
 * authenticators show defaults to the tenant id.
 *
 * @throws VerificationError WEBAUTHN_ORIGIN_NOT_ALLOWED, WEBAUTHN_NOT_CONFIGURED
 */
export function relyingPartyFor(ctx: OperationContext, settings: WebAuthnSettings, tenantId: string): RelyingParty {
  return resolveRelyingParty({
    settings,
    publicBaseUrl: ctx.deps.config.publicBaseUrl,
    production: ctx.deps.config.production,
    requestOrigin: ctx.requestOrigin,
    defaultName: tenantId,
  });
}

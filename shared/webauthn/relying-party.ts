import { VerificationError } from '../errors/verification-error.ts';
import { isLocalhost, originProblem, rpIdCoversHost, type RelyingPartySettings } from './relying-party-settings.ts';

/** The relying party a ceremony runs for: its RP ID, the name authenticators show, and the page origins allowed to run it. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: readonly string[];
}

export interface RelyingPartyContext {
  /** The tenant's FIDO2/TOUCHID settings (`null` members fall back to the defaults). */
  settings: RelyingPartySettings;
  /** `PUBLIC_BASE_URL`: the default origin and RP ID when the tenant set none. */
  publicBaseUrl: string | undefined;
  production: boolean;
  /**
   * The `Origin` header of the request, when a browser sent one. It must be one of the
   * relying party's origins; outside production it is the origin itself when nothing is
   * configured and it is a localhost page (the demo).
   */
  requestOrigin: string | undefined;
  /** The name authenticators show when the tenant set no `rp_name` (its issuer or id). */
  defaultName: string;
}

/**
 * Works out the relying party of a tenant, in this order: the tenant's `origins` (RP ID: its
 * `rp_id`, else their host); else `PUBLIC_BASE_URL`; else, outside production only, the
 * requesting page when it is on `localhost`. The request's own Host is never used, so a forged
 * Host header cannot choose the relying party.
 *
 * @throws VerificationError WEBAUTHN_ORIGIN_NOT_ALLOWED when `requestOrigin` is not one of the origins.
 * @throws VerificationError WEBAUTHN_NOT_CONFIGURED when no origin can be worked out.
 */
export function resolveRelyingParty(context: RelyingPartyContext): RelyingParty {
  const { settings, requestOrigin } = context;
  const name = settings.rp_name ?? context.defaultName;
  const origins = configuredOrigins(context);
  const id = settings.rp_id ?? new URL(origins[0]!).hostname;
  for (const origin of origins) {
    if (!rpIdCoversHost(id, new URL(origin).hostname)) {
      throw new VerificationError('WEBAUTHN_NOT_CONFIGURED', `origin ${origin} is not on rp_id "${id}"`);
    }
  }
  if (requestOrigin !== undefined && !origins.includes(requestOrigin)) {
    throw new VerificationError('WEBAUTHN_ORIGIN_NOT_ALLOWED', `${describe(requestOrigin)} is not an allowed origin of this relying party`);
  }
  return { id, name, origins };
}

function configuredOrigins({ settings, publicBaseUrl, production, requestOrigin }: RelyingPartyContext): string[] {
  if (settings.origins?.length) return settings.origins;
  if (publicBaseUrl) {
    const problem = originProblem(new URL(publicBaseUrl).origin);
    if (problem) throw new VerificationError('WEBAUTHN_NOT_CONFIGURED', `PUBLIC_BASE_URL cannot serve WebAuthn: its origin ${problem}; set the tenant's origins`);
    return [new URL(publicBaseUrl).origin];
  }
  if (production) {
    throw new VerificationError('WEBAUTHN_NOT_CONFIGURED', "set the tenant's origins (FIDO2/TOUCHID settings) or PUBLIC_BASE_URL");
  }
  if (requestOrigin === undefined) {
    throw new VerificationError('WEBAUTHN_NOT_CONFIGURED', "no Origin header to default to: set the tenant's origins or PUBLIC_BASE_URL");
  }
  if (!isLocalhostOrigin(requestOrigin)) {
    throw new VerificationError(
      'WEBAUTHN_ORIGIN_NOT_ALLOWED',
      `${describe(requestOrigin)} is not allowed: with no origins configured only a page on localhost may run WebAuthn (set the tenant's origins or PUBLIC_BASE_URL)`,
    );
  }
  return [requestOrigin];
}

/** A serialized origin on localhost, exactly as a browser sends it in `Origin`. */
function isLocalhostOrigin(value: string): boolean {
  if (originProblem(value)) return false;
  const url = new URL(value);
  return isLocalhost(url.hostname) && url.origin === value;
}

/** The origin for a message, cut short and stripped of anything odd a client may have sent. */
function describe(origin: string): string {
  return JSON.stringify(origin.slice(0, 100));
}

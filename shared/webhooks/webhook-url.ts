import { isIP } from 'node:net';
import { VerificationError } from '../errors/verification-error.ts';
import { classifyAddress, isAddressAllowed, type AddressPolicy } from '../outbound/address-guard.ts';

/** Longest URL an endpoint may have. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Why `url` cannot be a webhook endpoint under `policy`, or undefined when it can. */
function problemOf(url: string, policy: AddressPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url: not an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'url: must be an https URL';
  if (policy.production && parsed.protocol !== 'https:') return 'url: must be https in production';
  // Kept in the clear and shown in listings, so no credentials; signatures authenticate instead.
  if (parsed.username || parsed.password) return 'url: must not carry a user name or password';
  if (parsed.hash) return 'url: must not have a fragment';
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) && !isAddressAllowed(host, policy)) return `url: ${classifyAddress(host)} addresses are not reachable from this service`;
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (local && !isAddressAllowed('127.0.0.1', policy)) return 'url: loopback addresses are not reachable from this service';
  return undefined;
}

/**
 * Checks a webhook URL when an endpoint is created: an absolute http(s) URL (https in
 * production) without credentials or fragment, whose host is not a literal address the address
 * guard refuses. Names are resolved only when delivering, where the guard checks the address
 * actually connected to (so a name that later resolves somewhere internal is refused then).
 *
 * @throws VerificationError WEBHOOK_URL_NOT_ALLOWED naming what is wrong.
 */
export function requireWebhookUrl(url: string, policy: AddressPolicy): string {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) throw new VerificationError('WEBHOOK_URL_NOT_ALLOWED', `url: at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  const problem = problemOf(url, policy);
  if (problem) throw new VerificationError('WEBHOOK_URL_NOT_ALLOWED', problem);
  return new URL(url).href;
}

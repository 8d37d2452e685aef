import { isIP } from 'node:net';
import { z } from 'zod';
import { hasControlCharacters } from '../text/control-characters.ts';

/** How many origins one relying party may list. */
export const MAX_ORIGINS = 10;

// One DNS label: letters, digits and inner hyphens (IDNs in their punycode `xn--` form).
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Whether `rpId` can be a WebAuthn RP ID: `localhost`, or a domain name of at least two labels
 * whose last label is not numeric. Browsers refuse IP addresses and public suffixes; a
 * single-label name cannot be registrable, so it is refused here too (a multi-label public
 * suffix such as `co.uk` still passes: telling it apart needs the Public Suffix List).
 */
export function isValidRpId(rpId: string): boolean {
  if (rpId === 'localhost') return true;
  if (rpId.length > 253 || isIP(rpId) !== 0) return false;
  const labels = rpId.split('.');
  return labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

/** Whether `hostname` may run a ceremony for `rpId`: the same name, or a subdomain of it. */
export function rpIdCoversHost(rpId: string, hostname: string): boolean {
  return hostname === rpId || hostname.endsWith(`.${rpId}`);
}

/** Whether `hostname` is `localhost` (the only host a plain-http origin may have: browsers treat it as secure). */
export function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost';
}

/**
 * Why `value` cannot be a WebAuthn origin, or `undefined` when it can. An origin is a scheme,
 * host and optional port with nothing after it: `https://…`, or `http://localhost[:port]`
 * (browsers offer WebAuthn only in secure contexts, and never for an IP address).
 */
export function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an origin such as https://login.example.com';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(value)) return 'must be an origin only, with no path, query or fragment';
  const hostname = url.hostname;
  if (url.protocol === 'http:' && !isLocalhost(hostname)) return 'must use https (http only for localhost)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https (http only for localhost)';
  if (!isValidRpId(hostname)) return 'must name a domain (WebAuthn does not work on an IP address or a single-label host)';
  return undefined;
}

const rpIdField = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isValidRpId, 'must be "localhost" or a domain name such as example.com (no scheme, port or IP address)');

const rpNameField = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((s) => !hasControlCharacters(s), 'must not contain control characters');

const originField = z
  .string()
  .trim()
  .max(2048)
  .transform((value, ctx) => {
    const problem = originProblem(value);
    if (!problem) return new URL(value).origin;
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

/**
 * The relying-party members of FIDO2/TOUCHID tenant settings, each optional: `null` (or absent)
 * means "use the default" (`PUBLIC_BASE_URL`, or a localhost page outside production).
 * Extend a method's settings schema with these, then check the merged result with
 * {@link checkRelyingPartySettings}.
 */
export const relyingPartySettingsFields = {
  rp_id: rpIdField.nullable().optional(),
  rp_name: rpNameField.nullable().optional(),
  origins: z
    .array(originField)
    .min(1)
    .max(MAX_ORIGINS)
    .transform((origins) => [...new Set(origins)])
    .nullable()
    .optional(),
};

export interface RelyingPartySettings {
  rp_id?: string | null;
  rp_name?: string | null;
  origins?: string[] | null;
}

/**
 * The checks that span fields: every origin must sit on the RP ID (the host itself or a
 * subdomain), and without an RP ID all origins must share one host (it becomes the RP ID).
 * Run it on the settings as they will be stored (a patch merged into the stored ones), since
 * a patch of `rp_id` alone can break origins stored earlier.
 */
export function checkRelyingPartySettings(settings: RelyingPartySettings, ctx: z.RefinementCtx): void {
  // Origins that failed their own check have been reported already.
  const origins = (settings.origins ?? []).map((origin) => (originProblem(origin) ? undefined : new URL(origin)));
  const hosts = [...new Set(origins.flatMap((url) => (url ? [url.hostname] : [])))];
  if (settings.rp_id) {
    const rpId = settings.rp_id;
    origins.forEach((url, index) => {
      if (url && !rpIdCoversHost(rpId, url.hostname)) {
        ctx.addIssue({ code: 'custom', path: ['origins', index], message: `must be on rp_id "${rpId}" (that host or a subdomain of it)` });
      }
    });
  } else if (hosts.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['rp_id'], message: 'is required when the origins have different hosts' });
  }
}

/** The relying-party settings on their own: the fields, strict, with the cross-field checks. */
export const relyingPartySettingsSchema = z.object(relyingPartySettingsFields).strict().superRefine(checkRelyingPartySettings);

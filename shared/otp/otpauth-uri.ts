import type { HashAlgorithm } from './totp.ts';

/** Everything an enrollment QR code carries: the standard Key Uri parameters plus cidaas' extras. */
export interface EnrollmentUriInput {
  secret: string;
  issuer: string;
  /** Label is `${issuer}:${accountName}`. */
  accountName: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  /** `t` */
  type: 'totp';
  /** `d` */
  displayName: string;
  /** `tk` */
  tenantKey: string;
  /** `l`, omitted when absent */
  logoUrl?: string;
  sub: string;
  /** `cid` */
  clientId: string;
  /** `burl`, omitted when absent */
  baseUrl?: string;
  /** `eid` */
  exchangeId: string;
}

/** A parsed otpauth URI: the decoded label and every decoded query parameter. */
export interface ParsedOtpauthUri {
  label: string;
  params: Record<string, string>;
}

const PREFIX = 'otpauth://totp/';

function labelPart(name: 'issuer' | 'accountName', value: string): string {
  // Google's Key Uri Format forbids ':' in either part: it is the issuer/account separator.
  if (value.includes(':')) throw new Error(`otpauth URI ${name} must not contain ':'`);
  if (value.length === 0) throw new Error(`otpauth URI ${name} must not be empty`);
  return encodeURIComponent(value);
}

/**
 * Builds the enrollment URI in the exact parameter order of DESIGN §5. Every label part and query
 * value is percent-encoded with encodeURIComponent (spaces become `%20`, never `+`).
 *
 * @throws Error when the issuer or account name contains ':' or is empty.
 * @example
 * ```ts
 * buildOtpauthUri({ secret, issuer: 'Acme', accountName: 'alice@example.com', algorithm: 'SHA1', digits: 6,
 *   period: 30, type: 'totp', displayName: 'alice@example.com', tenantKey: 'acme', sub, clientId, exchangeId });
 * // 'otpauth://totp/Acme:alice%40example.com?secret=…&issuer=Acme&algorithm=SHA1&digits=6&period=30&t=totp&…'
 * ```
 */
export function buildOtpauthUri(input: EnrollmentUriInput): string {
  const label = `${labelPart('issuer', input.issuer)}:${labelPart('accountName', input.accountName)}`;
  const params: [string, string | number | undefined][] = [
    ['secret', input.secret],
    ['issuer', input.issuer],
    ['algorithm', input.algorithm],
    ['digits', input.digits],
    ['period', input.period],
    ['t', input.type],
    ['d', input.displayName],
    ['tk', input.tenantKey],
    ['l', input.logoUrl],
    ['sub', input.sub],
    ['cid', input.clientId],
    ['burl', input.baseUrl],
    ['eid', input.exchangeId],
  ];
  const query = params
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${PREFIX}${label}?${query}`;
}

/**
 * Splits an `otpauth://totp/` URI into its decoded label and parameters, for tests and validation.
 *
 * @throws Error when the URI is not a TOTP otpauth URI, is badly percent-encoded, or repeats a parameter.
 * @example
 * ```ts
 * parseOtpauthUri('otpauth://totp/Acme:alice?secret=ABC&issuer=Acme');
 * // { label: 'Acme:alice', params: { secret: 'ABC', issuer: 'Acme' } }
 * ```
 */
export function parseOtpauthUri(uri: string): ParsedOtpauthUri {
  if (!uri.startsWith(PREFIX)) throw new Error(`not an otpauth URI: expected it to start with ${PREFIX}`);
  const rest = uri.slice(PREFIX.length);
  const queryStart = rest.indexOf('?');
  const rawLabel = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : rest.slice(queryStart + 1);
  const params = new Map<string, string>();
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
    if (params.has(key)) throw new Error(`otpauth URI repeats the parameter ${key}`);
    params.set(key, eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1)));
  }
  return { label: decodeURIComponent(rawLabel), params: Object.fromEntries(params) };
}

import type { HashAlgorithm } from './totp.ts';

/** The parameters of Google's Key Uri Format, which every authenticator app reads. */
export interface StandardUriInput {
  secret: string;
  issuer: string;
  /** Label is `${issuer}:${accountName}`. */
  accountName: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
}

/** Everything an enrollment QR code carries: the standard Key Uri parameters plus cidaas' extras. */
export interface EnrollmentUriInput extends StandardUriInput {
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

function labelPart(name: 'issuer' | 'accountName', value: string, forbidden: readonly string[] = [':']): string {
  // Google's Key Uri Format forbids ':' in either part: it is the issuer/account separator.
  const found = forbidden.find((c) => value.includes(c));
  if (found) throw new Error(`otpauth URI ${name} must not contain '${found}'`);
  if (value.length === 0) throw new Error(`otpauth URI ${name} must not be empty`);
  return encodeURIComponent(value);
}

/** `key=value&…` with every value percent-encoded; parameters without a value are left out. */
function toQuery(params: [string, string | number | undefined][]): string {
  return params
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
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
  return `${PREFIX}${label}?${toQuery(params)}`;
}

/**
 * Characters that parsers which percent-decode the whole URI before splitting its query
 * (pyotp 2.6 does `urlparse(unquote(uri))`) read as structure, or decode a second time:
 * inside a query value they would cut it short (`&`) or change it (`+`, `%`).
 */
const DECODED_TWICE_UNSAFE = /[&+%]/;
/** Such parsers also end the label at a decoded '?' or '#'. */
const STRICT_LABEL_FORBIDDEN = [':', '?', '#'] as const;

/**
 * Builds an otpauth URI with only the Key Uri Format parameters (`secret`, `issuer`,
 * `algorithm`, `digits`, `period`), percent-encoded like {@link buildOtpauthUri}, for apps and
 * libraries that refuse unknown parameters (pyotp 2.6 answers cidaas' `t` with
 * `ValueError: t is not a valid parameter`). The issuer is always the label prefix; the
 * `issuer` parameter is left out when the issuer holds a character such parsers would
 * misread in a query value (`&`, `+`, `%`), since the format takes the issuer from the
 * label prefix when the parameter is absent. `?` and `#` would end the label for them, so
 * neither label part may contain one.
 *
 * @throws Error when the issuer or account name contains ':', '?' or '#', or is empty.
 * @example
 * ```ts
 * buildStandardOtpauthUri({ secret, issuer: 'Acme', accountName: 'alice@example.com', algorithm: 'SHA1', digits: 6, period: 30 });
 * // 'otpauth://totp/Acme:alice%40example.com?secret=…&issuer=Acme&algorithm=SHA1&digits=6&period=30'
 * ```
 */
export function buildStandardOtpauthUri(input: StandardUriInput): string {
  const label = `${labelPart('issuer', input.issuer, STRICT_LABEL_FORBIDDEN)}:${labelPart('accountName', input.accountName, STRICT_LABEL_FORBIDDEN)}`;
  const params: [string, string | number | undefined][] = [
    ['secret', input.secret],
    ['issuer', DECODED_TWICE_UNSAFE.test(input.issuer) ? undefined : input.issuer],
    ['algorithm', input.algorithm],
    ['digits', input.digits],
    ['period', input.period],
  ];
  return `${PREFIX}${label}?${toQuery(params)}`;
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

import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { VerificationError } from '../errors/verification-error.ts';
import { hasControlCharacters, withoutControlCharacters } from '../text/control-characters.ts';
import type { AppConfig } from '../config/env.ts';
import { DEFAULT_TENANT, type Principal, type SignInEvidence } from './principal.ts';
import { VerifiedTokens } from './verified-tokens.ts';

/**
 * Checks an `Authorization` header. A token verified moments ago is answered at once (no
 * promise, no microtask: a profile page sends the same token on every request); a new one
 * through its signature check.
 */
export type TokenVerifier = (authorization: string | undefined) => Principal | Promise<Principal>;

const BEARER = /^Bearer +([A-Za-z0-9\-_.]+)$/i;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * `typ` values of an access token (RFC 7519 `JWT`, RFC 9068 `at+jwt`), compared without case
 * and without the optional `application/` prefix (RFC 7515 §4.1.9). Any other typ names another
 * kind of JWT (an ID token's logout token, this service's own `verification-assertion+jwt`)
 * that must never be taken for a bearer token.
 */
const BEARER_TYPES = new Set(['jwt', 'at+jwt']);

/** Whether a token's `typ` header, when present, says it is an access token. */
function isBearerType(typ: unknown): boolean {
  if (typ === undefined) return true;
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return BEARER_TYPES.has(lower.startsWith('application/') ? lower.slice('application/'.length) : lower);
}

function invalidToken(detail: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_TOKEN', detail, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return err.reason === 'missing' ? `the token has no ${err.claim} claim` : `the token's ${err.claim} claim is not accepted`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  return 'the token could not be verified';
}

function displayNameOf(claims: Record<string, unknown>, sub: string): string {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const full = [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ');
  const name = text(claims.name) || full || text(claims.preferred_username) || text(claims.email) || sub;
  return withoutControlCharacters(name).slice(0, 128) || sub;
}

/** The sign-in claims of a verified token; anything malformed is dropped, so it proves nothing. */
function signInEvidenceOf(claims: Record<string, unknown>): SignInEvidence {
  const { amr, acr, auth_time: authTime } = claims;
  return {
    amr: Array.isArray(amr) && amr.every((value) => typeof value === 'string') ? (amr as string[]) : [],
    acr: typeof acr === 'string' ? acr : undefined,
    authTime: typeof authTime === 'number' && Number.isFinite(authTime) ? authTime : undefined,
  };
}

/**
 * Refuses a token issued in the future or living longer than `maxAgeS`: a long-lived token
 * is a stolen session that never ends, and `iat` is required so that the limit can be checked.
 */
function checkLifetime(iat: number, exp: number, jwt: AppConfig['jwt']): void {
  const now = Math.floor(Date.now() / 1000);
  if (iat > now + jwt.clockSkewS) throw invalidToken("the token's iat claim is in the future");
  if (exp - iat > jwt.maxAgeS) throw invalidToken(`the token lives longer than ${jwt.maxAgeS} s (exp − iat)`);
}

/**
 * Builds the bearer-token check: HS256 with `JWT_SECRET`, or the keys at `JWT_JWKS_URL`.
 * The accepted algorithms are pinned, so `alg: none` and algorithm confusion are refused; the
 * `typ`, when present, must be an access token's; `iat` is required and bounds the lifetime.
 */
export function createTokenVerifier(jwt: AppConfig['jwt']): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : jwt.secret!;
  const algorithms = jwt.jwksUrl ? ASYMMETRIC_ALGORITHMS : ['HS256'];
  const verified = new VerifiedTokens(jwt.clockSkewS);

  const verifySignature = async (header: string, token: string, now: number): Promise<Principal> => {
    let payload;
    let protectedHeader;
    try {
      ({ payload, protectedHeader } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        issuer: jwt.issuer,
        audience: jwt.audience,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: jwt.clockSkewS,
      }));
    } catch (err) {
      throw invalidToken(describe(err), err);
    }
    if (!isBearerType(protectedHeader.typ)) throw invalidToken('the token typ is not an access token type (JWT or at+jwt)');
    checkLifetime(payload.iat!, payload.exp!, jwt);
    const { sub, tid, scope } = payload as { sub?: unknown; tid?: unknown; scope?: unknown };
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || hasControlCharacters(sub)) throw invalidToken('the token has no usable sub claim');
    if (tid !== undefined && (typeof tid !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tid))) {
      throw invalidToken('the token tid claim is not a valid tenant id');
    }
    if (scope !== undefined && typeof scope !== 'string') throw invalidToken('the token scope claim must be a string');
    const principal: Principal = {
      sub,
      displayName: displayNameOf(payload, sub),
      tenantId: (tid as string | undefined) ?? DEFAULT_TENANT,
      scopes: new Set((scope ?? '').split(' ').filter(Boolean)),
      signIn: signInEvidenceOf(payload),
    };
    // A token valid only from a later `nbf` is checked again when it is used.
    if (payload.nbf === undefined || payload.nbf <= now / 1000) verified.set(header, principal, payload.exp!, now);
    return principal;
  };

  return (authorization) => {
    if (!authorization) {
      throw new VerificationError('MISSING_TOKEN', 'send Authorization: Bearer <token>', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const now = Date.now();
    // Kept by the exact header: one verified moments ago is found without parsing it again.
    const known = verified.get(authorization, now);
    if (known) return known;
    const match = BEARER.exec(authorization.trim());
    if (!match) throw invalidToken('the Authorization header must be "Bearer <token>"');
    return verifySignature(authorization, match[1]!, now);
  };
}

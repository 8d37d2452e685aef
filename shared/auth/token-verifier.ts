import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { VerificationError } from '../errors/verification-error.ts';
import { hasControlCharacters, withoutControlCharacters } from '../text/control-characters.ts';
import type { AppConfig } from '../config/env.ts';
import { DEFAULT_TENANT, type Principal } from './principal.ts';

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function invalidToken(detail: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_TOKEN', detail, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not accepted`;
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

/**
 * Builds the bearer-token check: HS256 with `JWT_SECRET`, or the keys at `JWT_JWKS_URL`.
 * The accepted algorithms are pinned, so `alg: none` and algorithm confusion are refused.
 */
export function createTokenVerifier(jwt: AppConfig['jwt']): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : jwt.secret!;
  const algorithms = jwt.jwksUrl ? ASYMMETRIC_ALGORITHMS : ['HS256'];

  return async (authorization) => {
    if (!authorization) {
      throw new VerificationError('MISSING_TOKEN', 'send Authorization: Bearer <token>', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const match = /^Bearer +([A-Za-z0-9\-_.]+)$/i.exec(authorization.trim());
    if (!match) throw invalidToken('the Authorization header must be "Bearer <token>"');

    let payload;
    try {
      ({ payload } = await jwtVerify(match[1]!, key as Uint8Array, {
        algorithms,
        issuer: jwt.issuer,
        audience: jwt.audience,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw invalidToken(describe(err), err);
    }
    const { sub, tid, scope } = payload as { sub?: unknown; tid?: unknown; scope?: unknown };
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || hasControlCharacters(sub)) throw invalidToken('the token has no usable sub claim');
    if (tid !== undefined && (typeof tid !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tid))) {
      throw invalidToken('the token tid claim is not a valid tenant id');
    }
    if (scope !== undefined && typeof scope !== 'string') throw invalidToken('the token scope claim must be a string');
    return {
      sub,
      displayName: displayNameOf(payload, sub),
      tenantId: (tid as string | undefined) ?? DEFAULT_TENANT,
      scopes: new Set((scope ?? '').split(' ').filter(Boolean)),
    };
  };
}

import { hkdfSync, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTHeaderParameters } from 'jose';
import type { SecretKeyring } from '../otp/secret-box.ts';

/** `typ` of a verification assertion; the bearer-token check refuses it (token-verifier.ts). */
export const ASSERTION_TYPE = 'verification-assertion+jwt';
/** `iss` and `aud` of every assertion: URNs of this service that no identity provider issues. */
export const ASSERTION_ISSUER = 'urn:verification-srv';
export const ASSERTION_AUDIENCE = 'urn:verification-srv:step-up';
/** Seconds an assertion is valid after the sign-in verification that minted it. */
export const ASSERTION_LIFETIME_S = 300;

// Its own key, derived from SECRET_KEY: an assertion can never verify as a bearer token (those use
// JWT_SECRET or the JWKS), a bearer token never as an assertion, and SECRET_KEY itself never signs.
const HKDF_SALT = 'verification-srv';
const HKDF_INFO = 'verification-assertion HS256 v1';
// Service instances share a clock only as well as NTP keeps them together.
const INSTANCE_SKEW_S = 5;
// An assertion is a few hundred bytes; anything far larger is not worth parsing.
const MAX_LENGTH = 4096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** What a valid assertion says: this user of this tenant proved `amr` at `authTime`. */
export interface AssertionClaims {
  sub: string;
  tenantId: string;
  /** The verification methods used, lower case (e.g. `["totp"]`). */
  amr: string[];
  /** When the second factor was proved, in seconds since the epoch. */
  authTime: number;
  jti: string;
}

export type AssertionCheck = { ok: true; claims: AssertionClaims } | { ok: false; reason: string };

/** Mints and checks the service's own proof of a fresh second factor (DESIGN §8). */
export interface VerificationAssertions {
  /** An assertion that `sub` of `tenantId` just proved `method`, valid for ASSERTION_LIFETIME_S. */
  issue(subject: { sub: string; tenantId: string }, method: string, now: Date): Promise<string>;
  /** Checks signature, type, issuer, audience and lifetime; never throws for bad input. */
  verify(assertion: string, now: Date): Promise<AssertionCheck>;
}

function deriveKey(secretKey: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secretKey, HKDF_SALT, HKDF_INFO, 32));
}

function claimsOf(payload: Record<string, unknown>): AssertionClaims | undefined {
  const { sub, tid, amr, auth_time: authTime, jti } = payload;
  if (typeof sub !== 'string' || typeof tid !== 'string' || typeof jti !== 'string') return undefined;
  if (!Array.isArray(amr) || !amr.every((v) => typeof v === 'string') || typeof authTime !== 'number') return undefined;
  return { sub, tenantId: tid, amr: amr as string[], authTime, jti };
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the Verification-Assertion has expired';
  return 'the Verification-Assertion is not a valid assertion of this service';
}

/**
 * Builds the assertion signer over the SECRET_KEY keyring: signed (HS256, `kid` = key id) with
 * a key derived from the active key, verified with the one its `kid` names, so assertions
 * survive a key rotation for the few minutes they live.
 */
export function createVerificationAssertions(keyring: SecretKeyring): VerificationAssertions {
  const keys = new Map([...keyring.keys].map(([id, key]) => [id, deriveKey(key)]));
  const activeKey = keys.get(keyring.activeKeyId)!;
  const keyFor = (header: JWTHeaderParameters): Uint8Array => {
    const key = header.kid === undefined ? undefined : keys.get(header.kid);
    if (!key) throw new joseErrors.JWKSNoMatchingKey();
    return key;
  };

  return {
    issue({ sub, tenantId }, method, now) {
      const at = Math.floor(now.getTime() / 1000);
      return new SignJWT({ tid: tenantId, amr: [method.toLowerCase()], auth_time: at })
        .setProtectedHeader({ alg: 'HS256', typ: ASSERTION_TYPE, kid: keyring.activeKeyId })
        .setIssuer(ASSERTION_ISSUER)
        .setAudience(ASSERTION_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt(at)
        .setExpirationTime(at + ASSERTION_LIFETIME_S)
        .setJti(randomUUID())
        .sign(activeKey);
    },

    async verify(assertion, now) {
      const compact = assertion.trim();
      if (compact.length > MAX_LENGTH || !COMPACT_JWS.test(compact)) return { ok: false, reason: reasonOf(undefined) };
      try {
        const { payload } = await jwtVerify(compact, keyFor, {
          algorithms: ['HS256'],
          typ: ASSERTION_TYPE,
          issuer: ASSERTION_ISSUER,
          audience: ASSERTION_AUDIENCE,
          requiredClaims: ['sub', 'tid', 'amr', 'auth_time', 'iat', 'exp', 'jti'],
          currentDate: now,
          maxTokenAge: ASSERTION_LIFETIME_S,
          clockTolerance: INSTANCE_SKEW_S,
        });
        const claims = claimsOf(payload);
        return claims ? { ok: true, claims } : { ok: false, reason: reasonOf(undefined) };
      } catch (err) {
        return { ok: false, reason: reasonOf(err) };
      }
    },
  };
}

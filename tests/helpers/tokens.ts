import { SignJWT, type JWTPayload } from 'jose';
import { TEST_JWT_SECRET } from './test-server.ts';

const encoder = new TextEncoder();

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Seconds since the epoch, `offsetSeconds` from now. */
export function epochSeconds(offsetSeconds = 0): number {
  return Math.floor(Date.now() / 1000) + offsetSeconds;
}

/**
 * Signs `payload` with HS256 exactly as given (no claims added), with the test secret unless
 * another one is named: for tokens the normal issuer would never produce.
 */
export function signRaw(payload: JWTPayload, secret: string = TEST_JWT_SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(encoder.encode(secret));
}

/** An unsigned token (`alg: none`), built by hand since no JWT library will produce one. */
export function unsignedToken(payload: JWTPayload): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

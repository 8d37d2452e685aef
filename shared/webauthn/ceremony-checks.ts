import { timingSafeEqual } from 'node:crypto';
import type { Uint8Array_ } from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL, parseAuthenticatorData, toHash, type ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import { VerificationError } from '../errors/verification-error.ts';
import { challengeMatches } from './challenge.ts';
import type { RelyingParty } from './relying-party.ts';

// The checks both ceremonies share, run before the library's own so that each failure ends
// with its own typed error (the library throws plain `Error`s that differ only in wording).

/** A response member that must be base64url; anything else is a malformed response. */
export function base64url(value: unknown, member: string): Uint8Array_ {
  if (typeof value !== 'string' || value.length === 0 || !isoBase64URL.isBase64URL(value)) {
    throw invalidResponse(`${member} is not base64url`);
  }
  return isoBase64URL.toBuffer(value);
}

export function invalidResponse(detail: string, cause?: unknown): VerificationError<'WEBAUTHN_INVALID_RESPONSE'> {
  return new VerificationError('WEBAUTHN_INVALID_RESPONSE', `the WebAuthn response is invalid: ${detail}`, { cause });
}

/** `id` and `rawId` must be the same base64url credential id of a `public-key` credential. */
export function checkCredentialShape(response: { id?: unknown; rawId?: unknown; type?: unknown }): string {
  base64url(response.id, 'id');
  if (response.rawId !== response.id) throw invalidResponse('rawId differs from id');
  if (response.type !== 'public-key') throw invalidResponse('type is not "public-key"');
  return response.id as string;
}

export interface ClientDataExpectation {
  type: 'webauthn.create' | 'webauthn.get';
  challenge: string;
  rp: RelyingParty;
}

/**
 * Decodes `clientDataJSON` and checks what the browser vouches for: the ceremony type, the
 * challenge, and the page origin (one of the relying party's, and not inside a cross-origin
 * iframe, which this service never asks for).
 */
export function checkClientData(clientDataJSON: unknown, expected: ClientDataExpectation): void {
  base64url(clientDataJSON, 'response.clientDataJSON');
  let clientData: ReturnType<typeof decodeClientDataJSON>;
  try {
    clientData = decodeClientDataJSON(clientDataJSON as string);
  } catch (err) {
    throw invalidResponse('clientDataJSON is not JSON', err);
  }
  if (typeof clientData !== 'object' || clientData === null) throw invalidResponse('clientDataJSON is not an object');
  const { type, challenge, origin, crossOrigin, topOrigin } = clientData;
  if (type !== expected.type) throw invalidResponse(`clientDataJSON.type is not "${expected.type}"`);
  if (typeof challenge !== 'string' || !challengeMatches(challenge, expected.challenge)) {
    throw new VerificationError('WEBAUTHN_CHALLENGE_MISMATCH', 'the response answers another challenge than the one of this exchange');
  }
  if (typeof origin !== 'string' || !expected.rp.origins.includes(origin)) {
    throw new VerificationError('WEBAUTHN_ORIGIN_NOT_ALLOWED', `the ceremony ran on ${JSON.stringify(String(origin).slice(0, 100))}, not an allowed origin of this relying party`);
  }
  if (crossOrigin === true || topOrigin !== undefined) {
    throw new VerificationError('WEBAUTHN_ORIGIN_NOT_ALLOWED', 'the ceremony ran inside a cross-origin frame');
  }
}

/** Parses authenticator data; a malformed one is an invalid response. */
export function parseAuthData(bytes: Uint8Array_): ParsedAuthenticatorData {
  try {
    return parseAuthenticatorData(bytes);
  } catch (err) {
    throw invalidResponse('authenticator data is malformed', err);
  }
}

/**
 * Checks what the authenticator vouches for: that it signed for this RP ID, that the user was
 * present, and, when the method demands it, that the user was verified.
 */
export async function checkAuthenticatorFlags(authData: ParsedAuthenticatorData, rp: RelyingParty, requireUserVerification: boolean): Promise<void> {
  const expectedHash = await toHash(new TextEncoder().encode(rp.id));
  if (authData.rpIdHash.length !== expectedHash.length || !timingSafeEqual(authData.rpIdHash, expectedHash)) {
    throw new VerificationError('WEBAUTHN_RP_ID_MISMATCH', `the authenticator answered for another RP ID than "${rp.id}"`);
  }
  if (!authData.flags.up) throw invalidResponse('the user was not present');
  if (requireUserVerification && !authData.flags.uv) {
    throw new VerificationError('WEBAUTHN_USER_VERIFICATION_REQUIRED', 'this method needs user verification (biometric or device PIN), and the authenticator did not verify the user');
  }
}

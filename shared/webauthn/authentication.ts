import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type CredentialDeviceType,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { VerificationError } from '../errors/verification-error.ts';
import type { ExpectedChallenge } from './challenge.ts';
import { base64url, checkAuthenticatorFlags, checkClientData, checkCredentialShape, invalidResponse, parseAuthData } from './ceremony-checks.ts';
import type { CredentialDescriptor, StoredCredential } from './credential.ts';
import { methodProfile, requiresUserVerification, type WebAuthnMethod } from './method-profiles.ts';
import type { RelyingParty } from './relying-party.ts';

export interface AuthenticationOptionsInput {
  method: WebAuthnMethod;
  rp: RelyingParty;
  /** The user's credentials of this method: only these may answer. */
  credentials: readonly CredentialDescriptor[];
  /** How long the browser waits for the user, in ms (default 60 s). */
  timeoutMs?: number;
}

/**
 * Request options (`PublicKeyCredentialRequestOptionsJSON`) for `navigator.credentials.get`,
 * naming the user's credentials. The caller stores `options.challenge` with the exchange.
 *
 * @throws VerificationError NO_AUTHENTICATOR when the user has no credential: empty
 *   `allowCredentials` would let the browser offer any discoverable credential of the RP.
 */
export async function authenticationOptions(input: AuthenticationOptionsInput): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (input.credentials.length === 0) {
    throw new VerificationError('NO_AUTHENTICATOR', `the user has no ${input.method} credential`);
  }
  const profile = methodProfile(input.method);
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    allowCredentials: input.credentials.map((c) => ({ id: c.id, transports: c.transports ? [...c.transports] : undefined })),
    userVerification: profile.userVerification,
    timeout: input.timeoutMs,
  });
  return profile.hints.length > 0 ? { ...options, hints: [...profile.hints] } : options;
}

/** A signature counter that did not move forward: the credential's key may exist twice. */
export interface CloneWarning {
  credentialId: string;
  storedCounter: number;
  receivedCounter: number;
}

export interface VerifyAuthenticationInput {
  method: WebAuthnMethod;
  rp: RelyingParty;
  response: AuthenticationResponseJSON;
  challenge: ExpectedChallenge;
  /** The user's credentials of this method (the `allowCredentials` of the options). */
  credentials: readonly StoredCredential[];
  /**
   * Called, before the refusal, for a validly signed assertion whose counter did not move
   * forward. The caller records it as a security event (outside a transaction the refusal
   * rolls back).
   */
  onCloneWarning: (warning: CloneWarning) => void | Promise<void>;
}

export interface VerifiedAuthentication {
  credentialId: string;
  /**
   * The counter to store, as a compare-and-set on the value verified against
   * (`UPDATE … SET counter = $new WHERE id = $id AND counter = $stored`): no row updated means a
   * racing sign-in moved it first, and this one must not count.
   */
  newCounter: number;
  userVerified: boolean;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
}

/**
 * Verifies an assertion (`AuthenticationResponseJSON`): one of the user's credentials signed
 * this exchange's challenge on an allowed origin for this RP ID, with user verification when
 * the method demands it and a signature counter that moved forward; then spends the challenge.
 *
 * The counter follows WebAuthn §6.1.1: when either the stored or the received counter is
 * non-zero, the received one must be greater. Authenticators that keep no counter (synced
 * passkeys) send 0 every time and pass.
 *
 * @throws VerificationError WEBAUTHN_INVALID_RESPONSE (also a bad signature),
 *   WEBAUTHN_CHALLENGE_MISMATCH (also when already used), WEBAUTHN_ORIGIN_NOT_ALLOWED,
 *   WEBAUTHN_RP_ID_MISMATCH, WEBAUTHN_USER_VERIFICATION_REQUIRED, WEBAUTHN_UNKNOWN_CREDENTIAL,
 *   WEBAUTHN_COUNTER_REGRESSION.
 */
export async function verifyAuthentication(input: VerifyAuthenticationInput): Promise<VerifiedAuthentication> {
  const { method, rp, response, challenge } = input;
  const requireUserVerification = requiresUserVerification(method);
  const id = checkCredentialShape(response);
  const assertion = response.response as Partial<AuthenticationResponseJSON['response']> | undefined;
  checkClientData(assertion?.clientDataJSON, { type: 'webauthn.get', challenge: challenge.value, rp });

  const credential = input.credentials.find((c) => c.id === id);
  if (!credential) throw new VerificationError('WEBAUTHN_UNKNOWN_CREDENTIAL', 'the credential is not one of the user\'s');

  const authData = parseAuthData(base64url(assertion?.authenticatorData, 'response.authenticatorData'));
  await checkAuthenticatorFlags(authData, rp, requireUserVerification);
  base64url(assertion?.signature, 'response.signature');

  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.value,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      // The counter is judged below, and only once the signature holds: an unsigned counter
      // proves nothing, and must not raise a clone warning.
      credential: { id: credential.id, publicKey: Uint8Array.from(credential.publicKey), counter: 0 },
      requireUserVerification,
    });
  } catch (err) {
    throw invalidResponse('the assertion does not verify', err);
  }
  if (!verified.verified) throw invalidResponse('the signature does not verify');

  const receivedCounter = verified.authenticationInfo.newCounter;
  if ((receivedCounter > 0 || credential.counter > 0) && receivedCounter <= credential.counter) {
    await input.onCloneWarning({ credentialId: id, storedCounter: credential.counter, receivedCounter });
    throw new VerificationError('WEBAUTHN_COUNTER_REGRESSION', 'the authenticator\'s signature counter did not move forward; the credential may have been cloned');
  }
  if (!(await challenge.consume())) {
    throw new VerificationError('WEBAUTHN_CHALLENGE_MISMATCH', 'the challenge of this exchange was already used');
  }

  const info = verified.authenticationInfo;
  return {
    credentialId: id,
    newCounter: receivedCounter,
    userVerified: info.userVerified,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  };
}

import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type CredentialDeviceType,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type Uint8Array_,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers';
import { VerificationError } from '../errors/verification-error.ts';
import { defaultFriendlyName } from './authenticator-names.ts';
import type { ExpectedChallenge } from './challenge.ts';
import { base64url, checkAuthenticatorFlags, checkClientData, checkCredentialShape, invalidResponse, parseAuthData } from './ceremony-checks.ts';
import { knownTransports, type CredentialDescriptor, type Transport } from './credential.ts';
import { methodProfile, requiresUserVerification, type WebAuthnMethod } from './method-profiles.ts';
import type { RelyingParty } from './relying-party.ts';

/** COSE algorithms offered and accepted, in order of preference: ES256, EdDSA, RS256. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257] as const;

export interface RegistrationOptionsInput {
  method: WebAuthnMethod;
  rp: RelyingParty;
  user: {
    /** The opaque `user.id` ({@link userHandle}), never the raw `sub`. */
    handle: Uint8Array;
    /** The account name the authenticator shows (e.g. the user's email or login). */
    name: string;
    displayName?: string;
  };
  /** The user's credentials of this method, so an authenticator cannot register twice. */
  existingCredentials: readonly CredentialDescriptor[];
  /** How long the browser waits for the user, in ms (default 60 s). */
  timeoutMs?: number;
  /** `none` (default): the service makes no decision on the authenticator's make. */
  attestation?: 'none' | 'direct';
}

/**
 * Creation options (`PublicKeyCredentialCreationOptionsJSON`) for `navigator.credentials.create`.
 * The caller stores `options.challenge` with the exchange and hands it back to
 * {@link verifyRegistration} as the expected challenge.
 */
export async function registrationOptions(input: RegistrationOptionsInput): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const profile = methodProfile(input.method);
  const options = await generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userID: Uint8Array.from(input.user.handle),
    userName: input.user.name,
    userDisplayName: input.user.displayName ?? input.user.name,
    timeout: input.timeoutMs,
    attestationType: input.attestation ?? 'none',
    excludeCredentials: input.existingCredentials.map((c) => ({ id: c.id, transports: c.transports ? [...c.transports] : undefined })),
    // A fresh object each call: the library writes `requireResidentKey` into the one it is given.
    authenticatorSelection: {
      ...(profile.attachment ? { authenticatorAttachment: profile.attachment } : {}),
      residentKey: profile.residentKey,
      userVerification: profile.userVerification,
    },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
  });
  return { ...options, hints: [...profile.hints] };
}

/** Everything to store about a new credential. */
export interface RegisteredCredential {
  /** Credential id, base64url: the key sign-in looks the credential up by. */
  id: string;
  /** COSE public key bytes. */
  publicKey: Uint8Array;
  /** Signature counter at registration (0 when the authenticator keeps none). */
  counter: number;
  transports: Transport[];
  /** Authenticator model id (all zeros when the authenticator hides it). */
  aaguid: string;
  /** `multiDevice`: a synced passkey that may be backed up. */
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  userVerified: boolean;
  attestationFormat: string;
  /** Device name until the user renames it (from the AAGUID, else the method's generic name). */
  friendlyName: string;
}

export interface VerifyRegistrationInput {
  method: WebAuthnMethod;
  rp: RelyingParty;
  response: RegistrationResponseJSON;
  challenge: ExpectedChallenge;
  /** Ids of the credentials the user already has (the `excludeCredentials` of the options). */
  existingCredentialIds: readonly string[];
}

/**
 * Verifies a registration response (`RegistrationResponseJSON`) against the options of its
 * exchange, with user verification required exactly when the method's options required it,
 * and spends the challenge. Storing the result is the caller's.
 *
 * @throws VerificationError WEBAUTHN_INVALID_RESPONSE, WEBAUTHN_CHALLENGE_MISMATCH (also when the
 *   challenge was already used), WEBAUTHN_ORIGIN_NOT_ALLOWED, WEBAUTHN_RP_ID_MISMATCH,
 *   WEBAUTHN_USER_VERIFICATION_REQUIRED, WEBAUTHN_CREDENTIAL_ALREADY_REGISTERED,
 *   WEBAUTHN_PLATFORM_AUTHENTICATOR_REQUIRED.
 */
export async function verifyRegistration(input: VerifyRegistrationInput): Promise<RegisteredCredential> {
  const { method, rp, response, challenge } = input;
  const requireUserVerification = requiresUserVerification(method);
  const id = checkCredentialShape(response);
  const attestation = response.response as Partial<RegistrationResponseJSON['response']> | undefined;
  checkClientData(attestation?.clientDataJSON, { type: 'webauthn.create', challenge: challenge.value, rp });

  const authData = parseAuthData(attestationAuthData(attestation?.attestationObject));
  await checkAuthenticatorFlags(authData, rp, requireUserVerification);
  if (!authData.credentialID || isoBase64URL.fromBuffer(authData.credentialID) !== id) {
    throw invalidResponse('the attested credential id differs from the response id');
  }
  if (methodProfile(method).attachment === 'platform' && response.authenticatorAttachment === 'cross-platform') {
    throw new VerificationError('WEBAUTHN_PLATFORM_AUTHENTICATOR_REQUIRED', `${method} needs the device's own (platform) authenticator, not a security key or phone`);
  }
  if (input.existingCredentialIds.includes(id)) {
    throw new VerificationError('WEBAUTHN_CREDENTIAL_ALREADY_REGISTERED', 'this authenticator is already registered for the user');
  }

  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.value,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification,
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
    });
  } catch (err) {
    throw invalidResponse('the attestation does not verify', err);
  }
  if (!verified.verified) throw invalidResponse('the attestation does not verify');
  if (!(await challenge.consume())) {
    throw new VerificationError('WEBAUTHN_CHALLENGE_MISMATCH', 'the challenge of this exchange was already used');
  }

  const info = verified.registrationInfo;
  return {
    id: info.credential.id,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: knownTransports(attestation?.transports),
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    userVerified: info.userVerified,
    attestationFormat: info.fmt,
    friendlyName: defaultFriendlyName(method, info.aaguid),
  };
}

function attestationAuthData(attestationObject: unknown): Uint8Array_ {
  const bytes = base64url(attestationObject, 'response.attestationObject');
  try {
    const authData = decodeAttestationObject(bytes).get('authData');
    if (!(authData instanceof Uint8Array)) throw new Error('no authData');
    return authData;
  } catch (err) {
    throw invalidResponse('attestationObject is malformed', err);
  }
}

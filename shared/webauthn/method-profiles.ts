import type { AuthenticatorSelectionCriteria, PublicKeyCredentialHint, UserVerificationRequirement } from '@simplewebauthn/server';

/** The verification methods WebAuthn serves, as cidaas names them. */
export const WEBAUTHN_METHODS = ['FIDO2', 'TOUCHID'] as const;
export type WebAuthnMethod = (typeof WEBAUTHN_METHODS)[number];

/** What a method asks of the authenticator, in options and in verification alike. */
export interface MethodProfile {
  /** `platform` restricts the ceremony to the device's own authenticator (Touch ID, Windows Hello, …). */
  attachment: 'platform' | undefined;
  residentKey: NonNullable<AuthenticatorSelectionCriteria['residentKey']>;
  userVerification: Extract<UserVerificationRequirement, 'required' | 'preferred'>;
  hints: PublicKeyCredentialHint[];
  /** Friendly name of a new credential whose authenticator the AAGUID table does not know. */
  fallbackName: string;
}

/**
 * TOUCHID: the device's own authenticator with a biometric or its screen lock, every time.
 * A discoverable credential is preferred (platform authenticators make one anyway, and it lets
 * the same credential serve passwordless sign-in later).
 *
 * FIDO2: any authenticator. Sign-in always names the user's credentials (`allowCredentials`), so
 * the credential need not be discoverable, and `discouraged` spares a security key's few
 * resident slots (and its PIN prompt: CTAP 2.1 keys demand a PIN to store a resident key).
 */
const PROFILES: Record<WebAuthnMethod, MethodProfile> = {
  TOUCHID: {
    attachment: 'platform',
    residentKey: 'preferred',
    userVerification: 'required',
    hints: ['client-device'],
    fallbackName: 'Touch ID',
  },
  FIDO2: {
    attachment: undefined,
    residentKey: 'discouraged',
    userVerification: 'preferred',
    hints: [],
    fallbackName: 'Security key',
  },
};

export function methodProfile(method: WebAuthnMethod): MethodProfile {
  return PROFILES[method];
}

/**
 * Whether verification insists on the UV flag. Derived from the same profile the options come
 * from, so a method that asks for `preferred` never refuses an authenticator without UV (the
 * SimpleWebAuthn pitfall: the library requires UV unless told otherwise).
 */
export function requiresUserVerification(method: WebAuthnMethod): boolean {
  return PROFILES[method].userVerification === 'required';
}

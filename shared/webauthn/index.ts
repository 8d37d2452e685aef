// The WebAuthn ceremonies the FIDO2 and TOUCHID method modules build on. Each ceremony is a
// pair of functions, "make the options" and "verify the response"; storage stays with the caller.
export { authenticationOptions, verifyAuthentication } from './authentication.ts';
export type { AuthenticationOptionsInput, CloneWarning, VerifiedAuthentication, VerifyAuthenticationInput } from './authentication.ts';
export { defaultFriendlyName } from './authenticator-names.ts';
export { challengeMatches } from './challenge.ts';
export type { ExpectedChallenge } from './challenge.ts';
export { TRANSPORTS } from './credential.ts';
export type { CredentialDescriptor, StoredCredential, Transport } from './credential.ts';
export { WEBAUTHN_METHODS, methodProfile, requiresUserVerification } from './method-profiles.ts';
export type { MethodProfile, WebAuthnMethod } from './method-profiles.ts';
export { registrationOptions, verifyRegistration, SUPPORTED_ALGORITHMS } from './registration.ts';
export type { RegisteredCredential, RegistrationOptionsInput, VerifyRegistrationInput } from './registration.ts';
export { resolveRelyingParty } from './relying-party.ts';
export type { RelyingParty, RelyingPartyContext } from './relying-party.ts';
export {
  MAX_ORIGINS,
  checkRelyingPartySettings,
  isValidRpId,
  relyingPartySettingsFields,
  relyingPartySettingsSchema,
} from './relying-party-settings.ts';
export type { RelyingPartySettings } from './relying-party-settings.ts';
export { authenticationResponseSchema, registrationResponseSchema } from './response-schemas.ts';
export { userHandle, userHandleKey } from './user-handle.ts';

import known from './known-authenticators.json' with { type: 'json' };
import { methodProfile, type WebAuthnMethod } from './method-profiles.ts';

const NAMES: ReadonlyMap<string, string> = new Map(Object.entries(known.authenticators));

/**
 * The name a new credential is listed under until the user renames it: the authenticator's
 * name when its AAGUID is well known (`known-authenticators.json`), otherwise the method's
 * generic name ("Security key", "Touch ID"). AAGUIDs are self-reported without attestation, so
 * the name is a convenience for the user, never a security decision.
 */
export function defaultFriendlyName(method: WebAuthnMethod, aaguid: string): string {
  return NAMES.get(aaguid.toLowerCase()) ?? methodProfile(method).fallbackName;
}

import { webauthnMethod } from '../webauthn/index.ts';

/**
 * FIDO2 (DESIGN §12): any WebAuthn authenticator (security key, phone, platform), user
 * verification preferred and, when the authenticator cannot verify the user, not demanded.
 */
export const fido2 = webauthnMethod('FIDO2');

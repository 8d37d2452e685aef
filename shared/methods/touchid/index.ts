import { webauthnMethod } from '../webauthn/index.ts';

/**
 * TOUCHID (DESIGN §12): the device's own (platform) authenticator, Touch ID, Face ID, Windows
 * Hello or the screen lock, with user verification at registration and every sign-in.
 */
export const touchid = webauthnMethod('TOUCHID');

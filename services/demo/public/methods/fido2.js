// @ts-check
// FIDO2 for the demo pages: any WebAuthn authenticator (a security key, a phone, this device).

import { webauthnMethod } from './webauthn.js';

export const fido2 = webauthnMethod({
  type: 'FIDO2',
  label: 'Security key',
  summary: 'A FIDO2 security key or passkey: plug it in or touch it when asked.',
  registerLabel: 'Register a security key',
  useLabel: 'Use your security key',
  waiting: 'Choose “Register a security key”, then touch your key when the browser asks.',
});

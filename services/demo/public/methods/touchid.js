// @ts-check
// TOUCHID for the demo pages: this device's own authenticator (Touch ID, Face ID, Windows
// Hello, the screen lock), verifying the user every time.

import { webauthnMethod } from './webauthn.js';

export const touchid = webauthnMethod({
  type: 'TOUCHID',
  label: 'Fingerprint or face',
  summary: 'Your fingerprint, face or screen lock on this device.',
  registerLabel: 'Register this device',
  useLabel: 'Use this device',
  waiting: 'Choose “Register this device”, then confirm with your fingerprint, face or screen lock.',
});

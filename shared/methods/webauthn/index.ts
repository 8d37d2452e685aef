import type { WebAuthnMethod } from '../../webauthn/index.ts';
import { defineMethod } from '../method-module.ts';
import * as enrollment from './enrollment.ts';
import { webauthnSettings } from './settings.ts';
import * as signIn from './sign-in.ts';

/**
 * A WebAuthn method module (DESIGN §12): registration completed from the page that ran
 * `navigator.credentials.create`, sign-in through a challenge answered with an assertion.
 * FIDO2 and TOUCHID are both this, told apart by their method profile
 * (shared/webauthn/method-profiles.ts: attachment, user verification, fallback name).
 */
export function webauthnMethod<T extends WebAuthnMethod>(type: T) {
  const settings = webauthnSettings(type);
  return defineMethod({
    type,
    settings,
    enrollment: {
      initiate: enrollment.initiate(type, settings),
      verify: enrollment.verify(type, settings),
    },
    signIn: {
      initiate: signIn.initiate(type, settings),
      verify: signIn.verify(type, settings),
    },
  });
}

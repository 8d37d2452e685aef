import type { VerificationType } from '../../tenants/verification-type.ts';
import { defineMethod, type MethodModule } from '../method-module.ts';
import type { CodeChannel } from './code-channel.ts';
import type { CodeSettings } from './code-settings.ts';
import { initiation, resend, verification } from './enrollment.ts';
import { signInInitiation, signInVerification } from './sign-in.ts';

/**
 * A method that proves a destination by a code sent to it (DESIGN §11): SMS and EMAIL are this
 * core with their own channel, destination and settings. Enrollment: destination → code sent →
 * typed (`verification`), with `resend`; sign-in: a challenge sends a code to the enrolled
 * destination → typed.
 */
export function defineCodeMethod<S extends CodeSettings, T extends VerificationType, F extends string>(ch: CodeChannel<S, T, F>): MethodModule<S, T> {
  return defineMethod({
    type: ch.type,
    settings: ch.settings,
    enrollment: { initiate: initiation(ch), verify: verification(ch), resend: resend(ch) },
    signIn: { initiate: signInInitiation(ch), verify: signInVerification(ch) },
  });
}

import { challengeOffer, startChallenge, verifySignInCode } from '../flows/sign-in.ts';
import { defineSignInOperation } from '../method-module.ts';
import { signInInitiationBody, signInVerificationBody } from './bodies.ts';
import { checkSignInCode } from './codes.ts';
import { totpSettings } from './settings.ts';

/**
 * Starts a sign-in challenge answered with a code (cidaas' initiate-then-verify form). TOTP
 * needs none (the code can be verified directly), but a challenge gives the sign-in page a
 * status id to watch, like every other method's.
 */
export const initiate = defineSignInOperation('TotpSignInInitiation', signInInitiationBody, async (ctx) => {
  const { exchange } = await startChallenge(ctx, totpSettings, () => ({}));
  return challengeOffer(exchange);
});

/**
 * Verifies a code against every TOTP authenticator of the user, directly or as the answer to a
 * challenge (`exchange_id`): a right code signs in once; wrong ones count in the user's throttle
 * (and in the challenge's attempts).
 */
export const verify = defineSignInOperation('TotpSignInVerification', signInVerificationBody, (ctx, body) =>
  verifySignInCode(ctx, {
    settings: totpSettings,
    exchangeId: body.exchange_id,
    check: (tx) => checkSignInCode(tx, ctx, body.pass_code),
  }),
);

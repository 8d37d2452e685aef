import { v4 as uuidv4 } from 'uuid';
import { VerificationError } from '../../errors/verification-error.ts';
import type { Challenge } from '../../exchanges/exchange.ts';
import type { SecretKeyring } from '../../otp/secret-box.ts';
import type { VerificationType } from '../../tenants/verification-type.ts';
import { challengeOffer, startChallenge, verifySignInCode, type CodeCheck } from '../flows/sign-in.ts';
import { defineSignInOperation, type ChallengeOffer } from '../method-module.ts';
import { signInInitiationBody, signInVerificationBody } from './bodies.ts';
import type { CodeChannel } from './code-channel.ts';
import type { CodeSettings } from './code-settings.ts';
import { readEnrolledDestination, readExchangeState, storedExchangeState } from './code-state.ts';
import { codeOffer, type CodeOffer } from './offer.ts';
import { codeMatches } from './one-time-code.ts';
import { sendCode } from './send-code.ts';

/**
 * `CodeSignInInitiation`: a challenge, and a code sent to the user's enrolled destination (the
 * one `ph_id` names, else the first enrolled) in the same transaction. The answer shows where
 * the code went, masked.
 */
export function signInInitiation<S extends CodeSettings, T extends VerificationType, F extends string>(ch: CodeChannel<S, T, F>) {
  return defineSignInOperation('CodeSignInInitiation', signInInitiationBody, async (ctx, body): Promise<ChallengeOffer & CodeOffer> => {
    const exchangeId = uuidv4();
    const { exchange } = await startChallenge(ctx, ch.settings, async (settings, authenticators, tx) => {
      const target = body.ph_id === undefined ? authenticators[0]! : authenticators.find((a) => a.phId === body.ph_id);
      if (!target) throw new VerificationError('UNKNOWN_DESTINATION', `no ${ctx.type} factor of yours has this ph_id`);
      const enrolled = readEnrolledDestination(target.data);
      const sent = await sendCode(tx, ctx, {
        channel: ch.channel,
        tenantId: ctx.subject.tenantId,
        sub: ctx.subject.sub,
        exchangeId,
        destination: { address: enrolled.destination, masked: enrolled.masked },
        settings,
        purpose: 'sign-in',
        lifetimeSeconds: settings.exchange_lifetime,
      });
      return { exchangeId, phId: target.phId, methodState: storedExchangeState(sent) };
    });
    return { ...challengeOffer(exchange), ...codeOffer(exchange, readExchangeState(exchange.methodState)) };
  });
}

function checkChallengeCode(keyring: SecretKeyring, challenge: Challenge | undefined, passCode: string): CodeCheck {
  // The body schema requires exchange_id, so there is always a challenge here.
  if (!challenge?.phId) return { outcome: 'refused', error: new VerificationError('CHALLENGE_NOT_FOUND') };
  const state = readExchangeState(challenge.methodState);
  return codeMatches(keyring, state.mac, challenge.exchangeId, passCode) ? { outcome: 'matched', phId: challenge.phId } : { outcome: 'wrong' };
}

/**
 * `CodeSignInVerification`: the code answering a challenge. The challenge is locked for the
 * check and becomes AUTHENTICATED in the same transaction, so a code works once and of racing
 * verifications exactly one wins; wrong codes count in the challenge (the fifth fails it) and
 * in the user's throttle.
 */
export function signInVerification<S extends CodeSettings, T extends VerificationType, F extends string>(ch: CodeChannel<S, T, F>) {
  return defineSignInOperation('CodeSignInVerification', signInVerificationBody, (ctx, body) =>
    verifySignInCode(ctx, {
      settings: ch.settings,
      exchangeId: body.exchange_id,
      check: async (_tx, _settings, challenge) => checkChallengeCode(ctx.deps.config.secretKeyring, challenge, body.pass_code),
    }),
  );
}

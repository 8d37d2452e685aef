import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { Challenge } from '../../exchanges/exchange.ts';
import { authenticationOptions, verifyAuthentication, type WebAuthnMethod } from '../../webauthn/index.ts';
import { challengeOffer, startChallenge, verifySignInCode, type CodeCheck } from '../flows/sign-in.ts';
import { defineSignInOperation, type ChallengeOffer, type SignInContext } from '../method-module.ts';
import type { MethodSettings } from '../settings.ts';
import { signInInitiationBody, signInVerificationBody } from './bodies.ts';
import { checkRequestOrigin, exchangeChallenge, readCeremony, storedCeremony } from './ceremony-state.ts';
import { recordAssertion } from './credential-repository.ts';
import { relyingPartyFor } from './relying-party.ts';
import type { WebAuthnSettings } from './settings.ts';
import { credentialOf } from './stored-credential.ts';

/** The challenge answer: the exchange, and the options for `navigator.credentials.get`. */
interface WebAuthnChallengeOffer extends ChallengeOffer {
  options: PublicKeyCredentialRequestOptionsJSON;
}

/**
 * Starts a sign-in: request options naming the user's credentials of this method in
 * `allowCredentials`, with the challenge and relying party kept with the challenge exchange.
 */
export function initiate(method: WebAuthnMethod, settings: MethodSettings<WebAuthnSettings>) {
  return defineSignInOperation('WebAuthnSignInInitiation', signInInitiationBody, async (ctx): Promise<WebAuthnChallengeOffer> => {
    let options: PublicKeyCredentialRequestOptionsJSON | undefined;
    const { exchange } = await startChallenge(ctx, settings, async (current, authenticators) => {
      const rp = relyingPartyFor(ctx, current, ctx.subject.tenantId);
      options = await authenticationOptions({ method, rp, credentials: authenticators.map(credentialOf), timeoutMs: current.exchange_lifetime * 1000 });
      return { methodState: storedCeremony(options.challenge, rp) };
    });
    return { ...challengeOffer(exchange), options: options! };
  });
}

/**
 * Checks an assertion against the locked challenge's options and the user's credentials of
 * this method. A validly signed assertion whose counter did not move forward is recorded as
 * `authentication.clone_warning` and refused; the refusal commits, so the warning stays.
 * Failures are refused with their own code and not counted in the throttle: an assertion cannot
 * be guessed, and counting would let anyone holding the user's token lock them out.
 */
async function checkAssertion(tx: Queryable, ctx: SignInContext, method: WebAuthnMethod, challenge: Challenge, response: AuthenticationResponseJSON): Promise<CodeCheck> {
  const state = readCeremony(challenge.methodState);
  checkRequestOrigin(ctx.requestOrigin, state.rp);
  const credentials = (await listAuthenticators(tx, ctx.subject.tenantId, ctx.subject.sub, ctx.type)).map(credentialOf);
  const verified = await verifyAuthentication({
    method,
    rp: state.rp,
    response,
    challenge: exchangeChallenge(state),
    credentials,
    onCloneWarning: async (warning) => {
      const phId = credentials.find((c) => c.id === warning.credentialId)!.phId;
      await ctx.events.record(tx, {
        event: 'authentication.clone_warning',
        ...ctx.subject,
        type: ctx.type,
        phId,
        storedCounter: warning.storedCounter,
        receivedCounter: warning.receivedCounter,
      });
    },
  });
  const credential = credentials.find((c) => c.id === verified.credentialId)!;
  const recorded = await recordAssertion(tx, {
    phId: credential.phId,
    verifiedAgainst: credential.counter,
    newCounter: verified.newCounter,
    backedUp: verified.backedUp,
    at: ctx.now,
  });
  if (!recorded) {
    return { outcome: 'refused', error: new VerificationError('WEBAUTHN_COUNTER_REGRESSION', 'another sign-in with this authenticator moved its signature counter first') };
  }
  return { outcome: 'matched', phId: credential.phId };
}

/**
 * Verifies the assertion answering a challenge (`{exchange_id, credential}`): the shared flow
 * locks the challenge and the user's throttle, and on a match makes the challenge
 * AUTHENTICATED and records the sign-in.
 */
export function verify(method: WebAuthnMethod, settings: MethodSettings<WebAuthnSettings>) {
  return defineSignInOperation('WebAuthnSignInVerification', signInVerificationBody, (ctx, body) =>
    verifySignInCode(ctx, {
      settings,
      exchangeId: body.exchange_id,
      check: async (tx, _settings, challenge) => {
        try {
          return await checkAssertion(tx, ctx, method, challenge!, body.credential);
        } catch (err) {
          if (!(err instanceof VerificationError)) throw err;
          // The refusal commits: the attempt stays in the security events (a clone warning
          // was recorded as such already).
          if (err.name !== 'WEBAUTHN_COUNTER_REGRESSION') {
            await ctx.events.record(tx, { event: 'authentication.invalid_response', ...ctx.subject, type: ctx.type, statusId: challenge!.statusId, code: err.code });
          }
          return { outcome: 'refused', error: err };
        }
      },
    }),
  );
}

import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { Enrollment } from '../../exchanges/exchange.ts';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { registrationOptions, userHandle, userHandleKey, verifyRegistration, type WebAuthnMethod } from '../../webauthn/index.ts';
import { completeEnrollment, exchangeOffer, startEnrollment, type CompletionCheck } from '../flows/enrollment.ts';
import { defineOperation, type ExchangeOffer, type InitiationContext, type UserContext } from '../method-module.ts';
import type { MethodSettings } from '../settings.ts';
import { initiationBody, profileVerificationBody } from './bodies.ts';
import { checkRequestOrigin, exchangeChallenge, readCeremony, storedCeremony } from './ceremony-state.ts';
import { isCredentialRegistered, lockCredentialId } from './credential-repository.ts';
import { relyingPartyFor } from './relying-party.ts';
import type { WebAuthnSettings } from './settings.ts';
import { credentialData, credentialOf, isWebAuthn } from './stored-credential.ts';

/** The initiation answer: the exchange, and the options for `navigator.credentials.create`. */
interface WebAuthnEnrollmentOffer extends ExchangeOffer {
  sub: string;
  options: PublicKeyCredentialCreationOptionsJSON;
}

/**
 * The user's credentials of both WebAuthn methods: one authenticator registers once, whichever
 * method it was registered for (a platform authenticator as TOUCHID, then again as FIDO2, would
 * be one credential counted as two factors).
 */
async function webauthnCredentials(tx: Queryable, tenantId: string, sub: string) {
  return (await listAuthenticators(tx, tenantId, sub)).filter(isWebAuthn).map(credentialOf);
}

/**
 * Starts a registration: creation options for the tenant's relying party, naming the user's
 * existing credentials in `excludeCredentials` (the browser then refuses to register one of
 * them again), with the challenge and relying party kept with the exchange.
 */
export function initiate(method: WebAuthnMethod, settings: MethodSettings<WebAuthnSettings>) {
  return defineOperation('WebAuthnInitiation', initiationBody, async (ctx: InitiationContext): Promise<WebAuthnEnrollmentOffer> => {
    const { tenantId, sub, displayName } = ctx.user;
    let options: PublicKeyCredentialCreationOptionsJSON | undefined;
    const { exchange } = await startEnrollment(ctx, settings, async (current, tx) => {
      const rp = relyingPartyFor(ctx, current, tenantId);
      options = await registrationOptions({
        method,
        rp,
        user: { handle: userHandle(userHandleKey(ctx.deps.config.secretKeyring), tenantId, sub), name: displayName || sub, displayName: displayName || sub },
        existingCredentials: await webauthnCredentials(tx, tenantId, sub),
        timeoutMs: current.exchange_lifetime * 1000,
      });
      return { methodState: storedCeremony(options.challenge, rp) };
    });
    return { ...exchangeOffer(exchange), sub, options: options! };
  });
}

/**
 * Checks a registration response against the locked enrollment's options. A credential id any
 * authenticator of the tenant already holds is refused as already registered; the lock on the
 * id makes a racing copy wait and see the first one's row.
 */
async function checkRegistration(tx: Queryable, ctx: UserContext, method: WebAuthnMethod, enrollment: Enrollment, response: RegistrationResponseJSON): Promise<CompletionCheck> {
  const state = readCeremony(enrollment.methodState);
  checkRequestOrigin(ctx.requestOrigin, state.rp);
  await lockCredentialId(tx, enrollment.tenantId, response.id);
  const existing = (await webauthnCredentials(tx, enrollment.tenantId, enrollment.sub)).map((c) => c.id);
  if (await isCredentialRegistered(tx, enrollment.tenantId, response.id)) existing.push(response.id);
  const registered = await verifyRegistration({ method, rp: state.rp, response, challenge: exchangeChallenge(state), existingCredentialIds: existing });
  return {
    ok: true,
    authenticator: { secret: null, counter: registered.counter, data: credentialData(registered), friendlyName: registered.friendlyName },
  };
}

/**
 * Records a refused registration response as `enrollment.invalid_response`. The completion's
 * transaction was rolled back with the refusal (so the enrollment is as it was), hence one of
 * its own.
 */
async function recordRefusal(ctx: UserContext, enrollment: Enrollment, refusal: VerificationError): Promise<void> {
  const { tenantId, sub, verificationType: type, statusId } = enrollment;
  await ctx.deps.db.transaction((tx) => ctx.events.record(tx, { event: 'enrollment.invalid_response', tenantId, sub, type, statusId, code: refusal.code }));
}

/**
 * Profile-UI path: the page that ran `navigator.credentials.create` sends the response. A
 * response that fails a check is refused with its own code and leaves the enrollment as it was
 * (nothing is guessed here, so nothing is counted); the refusal is recorded.
 */
export function verify(method: WebAuthnMethod, settings: MethodSettings<WebAuthnSettings>) {
  return defineOperation('WebAuthnProfileVerification', profileVerificationBody, async (ctx: UserContext, body) => {
    let checked: Enrollment | undefined;
    try {
      return await completeEnrollment(ctx, {
        settings,
        exchangeId: body.exchange_id,
        via: { path: 'profile', owner: { tenantId: ctx.user.tenantId, sub: ctx.user.sub } },
        check: (tx, enrollment) => {
          checked = enrollment;
          return checkRegistration(tx, ctx, method, enrollment, body.credential);
        },
      });
    } catch (err) {
      // Only what the check refused: a refusal of the exchange itself (unknown, expired…) has
      // its own record, or concerns nobody's enrollment.
      if (checked && err instanceof VerificationError && err.name.startsWith('WEBAUTHN_')) await recordRefusal(ctx, checked, err);
      throw err;
    }
  });
}

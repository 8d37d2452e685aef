import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import { secretBinding } from '../../authenticators/secret-binding.ts';
import { failAfterCommit, runOutcome, succeed } from '../../db/outcome.ts';
import { lockForEvent } from '../../exchanges/exchange-access.ts';
import { sealSecret } from '../../otp/index.ts';
import { refusal } from '../../exchanges/state-machine.ts';
import { challengeOffer, startChallenge } from '../flows/sign-in.ts';
import { defineSignInOperation, type SignInSuccess } from '../method-module.ts';
import { DEFAULT_CHALLENGE_SECONDS, signInInitiationBody, signInVerificationBody } from './bodies.ts';
import { admitAndAnnounceChallenge } from './fatigue.ts';
import { drawNumber } from './number-match.ts';
import { queueWakeUps } from './push-gateway.ts';
import { collectApproved, type CollectedChallenge } from './push-repository.ts';
import { pushSettings } from './settings.ts';

/**
 * Starts a push challenge: the user's devices learn of it (poll, WebSocket, push gateway) and
 * show the message and details. With number matching the answer carries `number` for the
 * sign-in screen; it is stored sealed, never sent to a device.
 */
export const initiate = defineSignInOperation('PushSignInInitiation', signInInitiationBody, async (ctx, body) => {
  const { tenantId, sub } = ctx.subject;
  let number: string | undefined;
  const lifetimeSeconds = body.expires_in ?? DEFAULT_CHALLENGE_SECONDS;
  const { exchange } = await startChallenge(ctx, pushSettings, async (settings, _listed, tx) => {
    await admitAndAnnounceChallenge(tx, tenantId, sub, ctx.now);
    number = settings.number_matching ? drawNumber() : undefined;
    if (ctx.deps.config.push.webhookUrl) {
      // Listed again under the user's PUSH lock, so a device removed meanwhile is not woken.
      const devices = await listAuthenticators(tx, tenantId, sub, 'PUSH');
      const expiresAt = new Date(ctx.now.getTime() + lifetimeSeconds * 1000);
      await queueWakeUps(tx, ctx.deps.outbox, { tenantId, expiresAt, message: body.message }, devices);
    }
    return {
      lifetimeSeconds,
      secret: number === undefined ? null : sealSecret(ctx.deps.config.secretKeyring, number, secretBinding(tenantId, sub)),
      methodState: {
        message: body.message,
        details: body.details ?? {},
        hidden_details: body.hidden_details ?? {},
        number_matching: number !== undefined,
      },
    };
  });
  return { ...challengeOffer(exchange), ...(number === undefined ? {} : { number }) };
});

/** The sign-in a collected approval proves, with the details only the sign-in client sees. */
function signedIn(c: CollectedChallenge): SignInSuccess {
  return { phId: c.phId, statusId: c.statusId, fields: { hidden_details: c.hiddenDetails } };
}

/**
 * The sign-in client collects an approved challenge, once: the answer (and the step-up
 * assertion the shared layer adds) is handed out a single time. While the device has not
 * answered it is a 409 CHALLENGE_PENDING; denied, expired or cancelled ones say so.
 */
export const verify = defineSignInOperation('PushSignInVerification', signInVerificationBody, async (ctx, body) => {
  await pushSettings.requireActive(ctx.deps.tenantMethods.via(ctx.deps.db), ctx.subject.tenantId);
  // The usual case (approved, not collected yet) in one statement, no transaction.
  const collected = await collectApproved(ctx.deps.db, ctx.subject, body.exchange_id);
  if (collected) return signedIn(collected);
  // Anything else is refused as the state machine says (a lapsed one is moved to EXPIRED on the way).
  return runOutcome(ctx.deps.db, async (tx) => {
    const ref = { kind: 'challenge', type: ctx.type, exchangeId: body.exchange_id } as const;
    const locked = await lockForEvent(tx, ref, 'authenticate', ctx, ctx.subject);
    if (locked.ok) return failAfterCommit(refusal('challenge', 'authenticate', locked.value.status));
    if (locked.error.name !== 'CHALLENGE_COMPLETED') return locked;
    // Approved since the statement above looked: collected now, unless it already was.
    const late = await collectApproved(tx, ctx.subject, body.exchange_id);
    if (!late) return locked;
    return succeed(signedIn(late));
  });
});

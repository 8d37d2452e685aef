import { v4 as uuidv4 } from 'uuid';
import { VerificationError } from '../../errors/verification-error.ts';
import { completeEnrollment, rotateEnrollment, startEnrollment } from '../flows/enrollment.ts';
import { defineOperation, type AppContext, type ExchangeOperation, type InitiationContext, type UserContext } from '../method-module.ts';
import { enrollBody, initiationBody } from './bodies.ts';
import { importDeviceKey, keyThumbprint, storedKey, verifyCompact } from './device-key.ts';
import { presentPushOffer, type PushEnrollmentOffer } from './offer.ts';
import { pushSettings } from './settings.ts';

/** Starts an enrollment: no secret, only the `push_uri` the companion app scans. */
export const initiate = defineOperation('PushInitiation', initiationBody, async (ctx: InitiationContext, body) => {
  const { exchange, settings } = await startEnrollment(ctx, pushSettings, () => ({ authenticatorClientId: body.client_id ?? uuidv4() }));
  return presentPushOffer(exchange, ctx, settings);
});

/**
 * The companion app that scanned the code enrolls its public key, proving it holds the private
 * one with a JWS over `{exchange_id}`. The proof is checked before the exchange is touched: a
 * bad one is the app's mistake (or a forgery), not a guess the attempt counter should ration.
 */
export const enroll = defineOperation('PushEnroll', enrollBody, async (ctx: AppContext, body) => {
  let key;
  try {
    key = await importDeviceKey(body.public_key);
  } catch {
    throw new VerificationError('PUSH_KEY_INVALID', 'the public key is not a point on its curve');
  }
  const proof = await verifyCompact(body.proof, key);
  const signedFor = proof?.payload.exchange_id;
  if (typeof signedFor !== 'string' || signedFor.toLowerCase() !== body.exchange_id) throw new VerificationError('PUSH_PROOF_INVALID');
  const thumbprint = await keyThumbprint(body.public_key);
  return completeEnrollment(ctx, {
    settings: pushSettings,
    exchangeId: body.exchange_id,
    via: { path: 'app', device: { clientId: body.client_id, deviceId: body.device_id, pushId: body.push_id, publicKey: storedKey(body.public_key) } },
    check: async () => ({ ok: true, authenticator: { secret: null, counter: 0, data: { key_thumbprint: thumbprint, kty: body.public_key.kty } } }),
  });
});

/** A new exchange id (and QR code) for a live enrollment, e.g. after it was shown on a shared screen. */
export const rotate: ExchangeOperation<UserContext, PushEnrollmentOffer> = {
  async handle(ctx, exchangeId) {
    const { exchange, settings } = await rotateEnrollment(ctx, pushSettings, exchangeId, () => ({}));
    return presentPushOffer(exchange, ctx, settings);
  },
};

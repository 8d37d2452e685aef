import { v4 as uuidv4 } from 'uuid';
import type { Database } from '../db/database.ts';
import { generateSecret, sealSecret, type SecretKeyring } from '../otp/index.ts';
import { enforceInitiationLimit } from '../rate-limit/initiation-limit.ts';
import { getMethodConfig } from '../tenants/method-config.ts';
import { secretBinding } from './enrollment.ts';
import { presentOffer, type EnrollmentOffer, type Presentation } from './enrollment-offer.ts';
import { retireExchange } from './enrollment-repository.ts';
import { lockForEvent, transition, type Owner } from './exchange-access.ts';
import { runOutcome, succeed } from './outcome.ts';

export interface RotateRequest {
  exchangeId: string;
  owner: Owner;
  presentation: Omit<Presentation, 'issuer' | 'tenantKey'>;
  keyring: SecretKeyring;
  /** `INITIATION_RATE_LIMIT`: a rotation makes a new secret and QR code, so it counts as an initiation. */
  initiationLimit: number;
  now: Date;
}

/**
 * Replaces the secret and exchange id of a live enrollment (e.g. the QR code was shown on a
 * shared screen). The status id stays, so watchers keep watching; the old exchange id and
 * any device that scanned it stop working, and the lifetime starts again.
 *
 * @throws VerificationError RATE_LIMITED, or what lockForEvent refuses
 */
export async function rotateEnrollment(db: Database, req: RotateRequest): Promise<EnrollmentOffer> {
  await enforceInitiationLimit(db, { ...req.owner, limit: req.initiationLimit, now: req.now });
  const secret = generateSecret();
  const { rotated, issuer } = await runOutcome(db, async (tx) => {
    const locked = await lockForEvent(tx, req.exchangeId, 'rotate', req.now, req.owner);
    if (!locked.ok) return locked;
    const enrollment = locked.value;
    const { settings } = await getMethodConfig(tx, enrollment.tenantId, enrollment.verificationType);
    await retireExchange(tx, enrollment.exchangeId, enrollment.statusId, req.now);
    const updated = await transition(tx, enrollment, 'rotate', req.now, {
      exchangeId: uuidv4(),
      secret: sealSecret(req.keyring, secret, secretBinding(enrollment.tenantId, enrollment.sub)),
      expiresAt: new Date(req.now.getTime() + settings.exchange_lifetime * 1000),
      deviceId: null,
      pushId: null,
      failedAttempts: 0,
    });
    return succeed({ rotated: updated, issuer: settings.issuer ?? enrollment.tenantId });
  });
  return presentOffer(rotated, secret, { ...req.presentation, issuer, tenantKey: rotated.tenantId });
}

import { v4 as uuidv4 } from 'uuid';
import type { Database } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { publishStatus } from '../events/status-events.ts';
import { enforceInitiationLimit } from '../rate-limit/initiation-limit.ts';
import { generateSecret, sealSecret, type SecretKeyring } from '../otp/index.ts';
import { ensureTenant } from '../tenants/method-config-repository.ts';
import { requireActiveMethod } from '../tenants/method-config.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import { countAuthenticators } from '../authenticators/authenticator-repository.ts';
import { requireStepUp, type StepUp } from '../step-up/require-step-up.ts';
import { MAX_ENROLLMENT_ATTEMPTS, secretBinding, type Enrollment } from './enrollment.ts';
import { presentOffer, type EnrollmentOffer, type Presentation } from './enrollment-offer.ts';
import { insertEnrollment } from './enrollment-repository.ts';
import { toVersionedStatus } from './status-document.ts';

export interface InitiateRequest {
  tenantId: string;
  sub: string;
  type: VerificationType;
  /** The authenticator app's client id; a fresh one per enrollment when the caller has none. */
  authenticatorClientId?: string;
  presentation: Omit<Presentation, 'issuer' | 'tenantKey'>;
  keyring: SecretKeyring;
  /** The caller's proof of a fresh second factor, needed once the user has a factor. */
  stepUp: StepUp;
  /** `INITIATION_RATE_LIMIT`: initiations per user and tenant per minute (0: no limit). */
  initiationLimit: number;
  now: Date;
}

/**
 * Starts an enrollment: a new secret, sealed at rest, an exchange id for completing it and a
 * status id for watching it. A user who already has a factor must prove a fresh one first
 * (step-up), whatever the method.
 *
 * @throws VerificationError RATE_LIMITED, METHOD_INACTIVE, STEP_UP_REQUIRED, MAX_DEVICES_REACHED
 */
export async function initiateEnrollment(db: Database, req: InitiateRequest): Promise<EnrollmentOffer> {
  await enforceInitiationLimit(db, { tenantId: req.tenantId, sub: req.sub, limit: req.initiationLimit, now: req.now });
  const secret = generateSecret();
  const enrollment = await db.transaction(async (tx) => {
    const method = await requireActiveMethod(tx, req.tenantId, req.type);
    await ensureTenant(tx, req.tenantId);
    const steppedUp = await requireStepUp(tx, { ...req.stepUp, tenantId: req.tenantId, sub: req.sub, now: req.now });
    if ((await countAuthenticators(tx, req.tenantId, req.sub, req.type)) >= method.settings.max_devices) {
      throw new VerificationError('MAX_DEVICES_REACHED', `at most ${method.settings.max_devices} ${req.type} authenticators per user`);
    }
    const created: Enrollment = {
      statusId: uuidv4(),
      exchangeId: uuidv4(),
      tenantId: req.tenantId,
      sub: req.sub,
      verificationType: req.type,
      status: 'INITIATED',
      authenticatorClientId: req.authenticatorClientId ?? uuidv4(),
      secret: sealSecret(req.keyring, secret, secretBinding(req.tenantId, req.sub)),
      params: {
        algorithm: method.settings.algorithm,
        digits: method.settings.digits,
        period: method.settings.period,
        window: method.settings.window,
      },
      deviceId: null,
      pushId: null,
      publicKey: null,
      phId: null,
      failedAttempts: 0,
      maxAttempts: MAX_ENROLLMENT_ATTEMPTS,
      steppedUp,
      expiresAt: new Date(req.now.getTime() + method.settings.exchange_lifetime * 1000),
      createdAt: req.now,
      updatedAt: req.now,
      version: 1,
    };
    await insertEnrollment(tx, created);
    await publishStatus(tx, toVersionedStatus(created));
    return { created, issuer: method.settings.issuer ?? req.tenantId };
  });
  return presentOffer(enrollment.created, secret, {
    ...req.presentation,
    issuer: enrollment.issuer,
    tenantKey: req.tenantId,
  });
}

import { v4 as uuidv4 } from 'uuid';
import type { Database, Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { matchCode, openSecret, resealSecret, type SecretKeyring } from '../otp/index.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import { getMethodConfig } from '../tenants/method-config.ts';
import { countAuthenticators, hasAuthenticator, insertAuthenticator, lockUserAuthenticators } from '../authenticators/authenticator-repository.ts';
import { secretBinding, type Enrollment } from './enrollment.ts';
import { recordFailedAttempt } from './enrollment-repository.ts';
import { lockForEvent, transition, type Owner } from './exchange-access.ts';
import { failAfterCommit, runOutcome, succeed } from './outcome.ts';

export interface EnrollmentResult {
  status: 'ENROLLED';
  status_id: string;
  sub: string;
  verification_type: string;
  ph_id: string;
  device_id: string | null;
}

interface Completion {
  event: 'verify' | 'enroll';
  exchangeId: string;
  passCode: string;
  now: Date;
  keyring: SecretKeyring;
  events: SecurityEventRecorder;
  owner?: Owner;
  device?: { clientId: string; deviceId: string; pushId?: string; publicKey?: string };
}

/** Counts a wrong code; the last allowed one moves the enrollment to FAILED. */
async function refuseCode(tx: Queryable, enrollment: Enrollment, c: Completion): Promise<VerificationError> {
  const attempts = await recordFailedAttempt(tx, enrollment.statusId);
  const remaining = Math.max(0, enrollment.maxAttempts - attempts);
  const subject = { tenantId: enrollment.tenantId, sub: enrollment.sub, type: enrollment.verificationType, statusId: enrollment.statusId };
  await c.events.record(tx, { event: 'enrollment.wrong_code', ...subject, remainingAttempts: remaining });
  if (attempts >= enrollment.maxAttempts) {
    await transition(tx, enrollment, 'fail', c.now);
    await c.events.record(tx, { event: 'enrollment.failed', ...subject, attempts });
    return new VerificationError('ENROLLMENT_FAILED', `${attempts} wrong codes: start a new enrollment`);
  }
  return new VerificationError('INVALID_CODE', `the code is not valid; ${remaining} attempts left`, {
    extensions: { remaining_attempts: remaining },
  });
}

function deviceRefusal(enrollment: Enrollment, device: Completion['device']): VerificationError | undefined {
  if (!device) return undefined;
  if (device.clientId !== enrollment.authenticatorClientId) return new VerificationError('CLIENT_MISMATCH');
  if (device.deviceId !== enrollment.deviceId) return new VerificationError('DEVICE_MISMATCH');
  return undefined;
}

/**
 * An enrollment started without step-up (the user had no factor then) may only become the
 * user's first factor. Once another factor exists, completing it would add a factor nobody
 * proved a second factor for (a thief racing the user's own first enrollment), so it is
 * cancelled instead. Runs under the user's authenticator lock.
 */
async function refuseUncheckedSecondFactor(tx: Queryable, enrollment: Enrollment, now: Date): Promise<VerificationError | undefined> {
  if (enrollment.steppedUp || !(await hasAuthenticator(tx, enrollment.tenantId, enrollment.sub))) return undefined;
  await transition(tx, enrollment, 'cancel', now);
  return new VerificationError('ENROLLMENT_NEEDS_STEP_UP');
}

/**
 * Completes an enrollment with its first code. The enrollment row stays locked from the check
 * to the insert, and the authenticator table allows one authenticator per enrollment, so of
 * any number of racing completions exactly one succeeds. The matched step is stored as used:
 * the code that completed enrollment cannot sign in.
 */
async function complete(db: Database, c: Completion): Promise<EnrollmentResult> {
  return runOutcome(db, async (tx) => {
    const locked = await lockForEvent(tx, c.exchangeId, c.event, c.now, c.owner);
    if (!locked.ok) return locked;
    const enrollment = locked.value;
    const mismatch = deviceRefusal(enrollment, c.device);
    if (mismatch) return failAfterCommit(mismatch);

    const secret = openSecret(c.keyring, enrollment.secret!, secretBinding(enrollment.tenantId, enrollment.sub));
    const step = matchCode(secret, c.passCode, enrollment.params, c.now.getTime(), { window: enrollment.params.window });
    if (step === null) return failAfterCommit(await refuseCode(tx, enrollment, c));

    await lockUserAuthenticators(tx, enrollment.tenantId, enrollment.sub);
    const unchecked = await refuseUncheckedSecondFactor(tx, enrollment, c.now);
    if (unchecked) return failAfterCommit(unchecked);
    const { settings } = await getMethodConfig(tx, enrollment.tenantId, enrollment.verificationType);
    if ((await countAuthenticators(tx, enrollment.tenantId, enrollment.sub, enrollment.verificationType)) >= settings.max_devices) {
      return failAfterCommit(new VerificationError('MAX_DEVICES_REACHED'));
    }
    const phId = uuidv4();
    await insertAuthenticator(tx, {
      phId,
      tenantId: enrollment.tenantId,
      sub: enrollment.sub,
      verificationType: enrollment.verificationType,
      enrollmentStatusId: enrollment.statusId,
      deviceId: enrollment.deviceId,
      pushId: c.device?.pushId ?? enrollment.pushId,
      publicKey: c.device?.publicKey ?? null,
      friendlyName: null,
      // Same owner binding, so the sealed secret moves over as it is, unless its key was
      // rotated since the enrollment started: then it moves to the active key.
      secret: resealSecret(c.keyring, enrollment.secret!, secret, secretBinding(enrollment.tenantId, enrollment.sub)) ?? enrollment.secret!,
      params: enrollment.params,
      lastUsedStep: step,
      createdAt: c.now,
      lastUsedAt: null,
    });
    const enrolled = await transition(tx, enrollment, c.event, c.now, {
      phId,
      ...(c.device ? { pushId: c.device.pushId ?? enrollment.pushId, publicKey: c.device.publicKey ?? null } : {}),
    });
    await c.events.record(tx, {
      event: 'factor.added',
      tenantId: enrolled.tenantId,
      sub: enrolled.sub,
      type: enrolled.verificationType,
      phId,
      statusId: enrolled.statusId,
      via: c.event === 'verify' ? 'profile' : 'app',
    });
    return succeed({
      status: 'ENROLLED',
      status_id: enrolled.statusId,
      sub: enrolled.sub,
      verification_type: enrolled.verificationType,
      ph_id: phId,
      device_id: enrolled.deviceId,
    });
  });
}

/** Profile-UI path: the signed-in user types the first code from any authenticator app. */
export function completeFromProfile(
  db: Database,
  input: { exchangeId: string; passCode: string; owner: Owner; now: Date; keyring: SecretKeyring; events: SecurityEventRecorder },
): Promise<EnrollmentResult> {
  return complete(db, { event: 'verify', ...input });
}

/** Companion-app path: the device that scanned the code proves it holds the secret. */
export function completeFromApp(
  db: Database,
  input: {
    exchangeId: string;
    passCode: string;
    clientId: string;
    deviceId: string;
    pushId?: string;
    publicKey?: string;
    now: Date;
    keyring: SecretKeyring;
    events: SecurityEventRecorder;
  },
): Promise<EnrollmentResult> {
  const { exchangeId, passCode, now, keyring, events, ...device } = input;
  return complete(db, { event: 'enroll', exchangeId, passCode, now, keyring, events, device });
}

import { v4 as uuidv4 } from 'uuid';
import type { Queryable } from '../../db/database.ts';
import type { JsonObject } from '../../db/json.ts';
import { failAfterCommit, runOutcome, succeed, type Outcome } from '../../db/outcome.ts';
import { VerificationError, isVerificationError } from '../../errors/verification-error.ts';
import { authenticatorCounts, insertAuthenticator, lockUserAuthenticators } from '../../authenticators/authenticator-repository.ts';
import { createExchange } from '../../exchanges/create-exchange.ts';
import type { Enrollment, Owner } from '../../exchanges/exchange.ts';
import { lockForEvent, transition } from '../../exchanges/exchange-access.ts';
import { recordFailedAttempt, retireExchange } from '../../exchanges/exchange-repository.ts';
import type { SealedSecret } from '../../otp/secret-box.ts';
import { countInitiation, enforceInitiationLimit } from '../../rate-limit/initiation-limit.ts';
import { judgeStepUp } from '../../step-up/require-step-up.ts';
import { ensureTenantOnce } from '../../tenants/method-config-repository.ts';
import type { CommonSettings } from '../../tenants/method-settings.ts';
import type { EnrollmentResult, ExchangeOffer, InitiationContext, OperationContext, UserContext } from '../method-module.ts';
import type { MethodSettings } from '../settings.ts';

/** What a method stores with a new exchange, enrollment or sign-in challenge (its secret sealed, its state not secret). */
export interface ExchangeSeed {
  secret?: SealedSecret | null;
  methodState?: JsonObject;
  /** Seconds it stays usable; the tenant's `exchange_lifetime` when absent. */
  lifetimeSeconds?: number;
  /** The exchange id to give it, when the method must bind something to it first (SMS/EMAIL codes); fresh otherwise. */
  exchangeId?: string;
}

/** What a method stores with a new enrollment. */
interface EnrollmentSeed extends ExchangeSeed {
  /** The companion app's client id to expect (`cid` in the QR code). */
  authenticatorClientId?: string | null;
}

/**
 * Starts an enrollment of `ctx.type` for the signed-in user, with every rule every method must
 * keep, in one transaction: counted against `INITIATION_RATE_LIMIT` first (the count commits
 * whatever the checks decide, so refused attempts count), then the method must be active, a
 * user who already has a factor must prove a fresh one (step-up, DESIGN §8), the user must be
 * below `max_devices`, and the exchange is created and announced. `seed` runs inside that
 * transaction with the settings and the transaction (e.g. to queue a message with the
 * exchange, or to name the user's existing credentials); a failure of its own rolls the whole
 * attempt back.
 *
 * @throws VerificationError RATE_LIMITED, METHOD_INACTIVE, STEP_UP_REQUIRED, MAX_DEVICES_REACHED
 */
export async function startEnrollment<S extends CommonSettings>(
  ctx: InitiationContext,
  settings: MethodSettings<S>,
  seed: (settings: S, tx: Queryable) => EnrollmentSeed | Promise<EnrollmentSeed>,
): Promise<{ exchange: Enrollment; settings: S }> {
  const { tenantId, sub } = ctx.user;
  return runOutcome(ctx.deps.db, async (tx) => {
    const limited = await countInitiation(tx, { tenantId, sub, limit: ctx.deps.config.initiationRateLimit, now: ctx.now });
    if (limited) return failAfterCommit(limited);
    let current: S;
    let steppedUp: boolean;
    try {
      current = await settings.requireActive(ctx.deps.tenantMethods.via(tx), tenantId);
      await ensureTenantOnce(ctx.deps.db, tx, tenantId);
      // requireStepUp's rule, with the user's factors counted in the same statement.
      await lockUserAuthenticators(tx, tenantId, sub);
      const factors = await authenticatorCounts(tx, tenantId, sub, ctx.type);
      steppedUp = judgeStepUp(factors.any, { ...ctx.stepUp, tenantId, sub, now: ctx.now });
      if (factors.ofType >= current.max_devices) {
        throw new VerificationError('MAX_DEVICES_REACHED', `at most ${current.max_devices} ${ctx.type} authenticators per user`);
      }
    } catch (err) {
      // A refusal still keeps the count; nothing else was written but the tenant row.
      if (isVerificationError(err)) return failAfterCommit(err);
      throw err;
    }
    const fields = await seed(current, tx);
    // The seed's members are createExchange's, with its defaults; only the lifetime's is the tenant's.
    const exchange = await createExchange(tx, ctx, {
      ...fields,
      kind: 'enrollment',
      tenantId,
      sub,
      type: ctx.type,
      lifetimeSeconds: fields.lifetimeSeconds ?? current.exchange_lifetime,
      steppedUp,
    });
    return succeed({ exchange, settings: current });
  });
}

/** The offer fields every exchange-based initiation starts with. */
export function exchangeOffer(exchange: { exchangeId: string; expiresAt: Date; statusId: string }): ExchangeOffer {
  return {
    exchange_id: { exchange_id: exchange.exchangeId, expires_at: exchange.expiresAt.toISOString() },
    status_id: exchange.statusId,
  };
}

/** The authenticator a completed enrollment creates, as its method describes it. */
interface NewAuthenticator {
  secret: SealedSecret | null;
  counter: number;
  data: JsonObject;
  /** The name the devices list shows until the user renames it (e.g. from a WebAuthn AAGUID); none when absent. */
  friendlyName?: string | null;
}

/** What a method's check of the completing proof found. */
export type CompletionCheck = { ok: true; authenticator: NewAuthenticator } | { ok: false };

/** The app that scanned the code, as it identifies itself on the app path. */
interface CompletingDevice {
  clientId: string;
  deviceId: string;
  pushId?: string;
  publicKey?: string;
}

interface Completion<S extends CommonSettings> {
  settings: MethodSettings<S>;
  exchangeId: string;
  /** The profile UI (the signed-in user, `owner`) or the companion app (`device`, which scanned it). */
  via: { path: 'profile'; owner: Owner } | { path: 'app'; device: CompletingDevice };
  /**
   * The method's check of the proof (a first code, a signed key…) against the locked
   * enrollment. `{ ok: false }` counts a wrong attempt; the last allowed one fails the enrollment.
   */
  check: (tx: Queryable, enrollment: Enrollment) => Promise<CompletionCheck>;
}

/** Counts a wrong proof; the last allowed one moves the enrollment to FAILED (recorded as `enrollment.failed` by the transition). */
async function refuseAttempt(tx: Queryable, ctx: OperationContext, enrollment: Enrollment): Promise<VerificationError> {
  const attempts = await recordFailedAttempt(tx, enrollment.statusId);
  const remaining = Math.max(0, enrollment.maxAttempts - attempts);
  const subject = { tenantId: enrollment.tenantId, sub: enrollment.sub, type: enrollment.verificationType, statusId: enrollment.statusId };
  await ctx.events.record(tx, { event: 'enrollment.wrong_code', ...subject, remainingAttempts: remaining });
  if (attempts >= enrollment.maxAttempts) {
    await transition(tx, enrollment, 'fail', ctx);
    return new VerificationError('ENROLLMENT_FAILED', `${attempts} wrong codes: start a new enrollment`);
  }
  return new VerificationError('INVALID_CODE', `the code is not valid; ${remaining} attempts left`, {
    extensions: { remaining_attempts: remaining },
  });
}

function deviceRefusal(enrollment: Enrollment, device: CompletingDevice | undefined): VerificationError | undefined {
  if (!device) return undefined;
  if (device.clientId !== enrollment.authenticatorClientId) return new VerificationError('CLIENT_MISMATCH');
  if (device.deviceId !== enrollment.deviceId) return new VerificationError('DEVICE_MISMATCH');
  return undefined;
}

/**
 * An enrollment started without step-up (the user had no factor then) may only become the
 * user's first factor. Once another factor exists, completing it would add a factor nobody
 * proved a second factor for (a thief racing the user's own first enrollment), so it is
 * cancelled instead. `hasFactor` was counted under the user's authenticator lock.
 */
async function refuseUncheckedSecondFactor(tx: Queryable, ctx: OperationContext, enrollment: Enrollment, hasFactor: boolean): Promise<VerificationError | undefined> {
  if (enrollment.steppedUp || !hasFactor) return undefined;
  await transition(tx, enrollment, 'cancel', ctx);
  return new VerificationError('ENROLLMENT_NEEDS_STEP_UP');
}

/**
 * Completes an enrollment: the method checks the proof, and the shared rules do the rest. The
 * enrollment row stays locked from the check to the insert, and the authenticator table allows
 * one authenticator per enrollment, so of any number of racing completions exactly one
 * succeeds; the device limit and the first-factor rule are checked under the user's
 * authenticator lock; `factor.added` is recorded in the same transaction.
 *
 * @throws VerificationError ENROLLMENT_NOT_FOUND, EXCHANGE_REPLACED, the 409s of a finished or
 * scanned enrollment, CLIENT_MISMATCH, DEVICE_MISMATCH, INVALID_CODE, ENROLLMENT_FAILED,
 * ENROLLMENT_NEEDS_STEP_UP, MAX_DEVICES_REACHED
 */
export function completeEnrollment<S extends CommonSettings>(ctx: OperationContext, c: Completion<S>): Promise<EnrollmentResult> {
  const event = c.via.path === 'profile' ? 'verify' : 'enroll';
  const owner = c.via.path === 'profile' ? c.via.owner : undefined;
  const device = c.via.path === 'app' ? c.via.device : undefined;
  return runOutcome(ctx.deps.db, async (tx) => {
    const locked = await lockForEvent(tx, { kind: 'enrollment', type: ctx.type, exchangeId: c.exchangeId }, event, ctx, owner);
    if (!locked.ok) return locked;
    const enrollment = locked.value;
    const mismatch = deviceRefusal(enrollment, device);
    if (mismatch) return failAfterCommit(mismatch);

    const checked = await c.check(tx, enrollment);
    if (!checked.ok) return failAfterCommit(await refuseAttempt(tx, ctx, enrollment));

    await lockUserAuthenticators(tx, enrollment.tenantId, enrollment.sub);
    const factors = await authenticatorCounts(tx, enrollment.tenantId, enrollment.sub, enrollment.verificationType);
    const unchecked = await refuseUncheckedSecondFactor(tx, ctx, enrollment, factors.any);
    if (unchecked) return failAfterCommit(unchecked);
    const { settings } = await c.settings.read(ctx.deps.tenantMethods.via(tx), enrollment.tenantId);
    if (factors.ofType >= settings.max_devices) {
      return failAfterCommit(new VerificationError('MAX_DEVICES_REACHED'));
    }
    const phId = uuidv4();
    const pushId = device?.pushId ?? enrollment.pushId;
    const publicKey = device?.publicKey ?? null;
    await insertAuthenticator(tx, {
      phId,
      tenantId: enrollment.tenantId,
      sub: enrollment.sub,
      verificationType: enrollment.verificationType,
      enrollmentStatusId: enrollment.statusId,
      deviceId: enrollment.deviceId,
      pushId,
      publicKey,
      friendlyName: null,
      ...checked.authenticator,
      createdAt: ctx.now,
      lastUsedAt: null,
    });
    const added = {
      event: 'factor.added',
      tenantId: enrollment.tenantId,
      sub: enrollment.sub,
      type: enrollment.verificationType,
      phId,
      statusId: enrollment.statusId,
      via: c.via.path,
    } as const;
    const enrolled = await transition(tx, enrollment, event, ctx, { phId, ...(device ? { pushId, publicKey } : {}) }, [added]);
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

/**
 * Runs `renew` on a live enrollment of the signed-in user, locked for its `rotate` transition
 * (the enrollment's "still live, start its lifetime again" event): a rotation, or a code
 * method's resend. Counts as an initiation (`INITIATION_RATE_LIMIT`) before the work, so
 * refused attempts count too.
 *
 * @throws VerificationError RATE_LIMITED, what lockForEvent refuses, or what `renew` fails with
 */
export async function renewEnrollment<T>(
  ctx: UserContext,
  exchangeId: string,
  renew: (tx: Queryable, enrollment: Enrollment) => Promise<Outcome<T>>,
): Promise<T> {
  const owner = { tenantId: ctx.user.tenantId, sub: ctx.user.sub };
  await enforceInitiationLimit(ctx.deps.db, { ...owner, limit: ctx.deps.config.initiationRateLimit, now: ctx.now });
  return runOutcome(ctx.deps.db, async (tx) => {
    const locked = await lockForEvent(tx, { kind: 'enrollment', type: ctx.type, exchangeId }, 'rotate', ctx, owner);
    return locked.ok ? renew(tx, locked.value) : locked;
  });
}

/** What a rotation stores in place of the old secret and state. */
interface RotationSeed {
  secret?: SealedSecret | null;
  methodState?: JsonObject;
}

/**
 * Replaces the exchange id (and, through `seed`, the secret and state) of a live enrollment of
 * the user, e.g. after its QR code was shown on a shared screen. The status id stays, so
 * watchers keep watching; the old exchange id, and any device that scanned it, stop working,
 * and the lifetime starts again. Counts as an initiation (`INITIATION_RATE_LIMIT`).
 *
 * @throws VerificationError RATE_LIMITED, or what lockForEvent refuses
 */
export async function rotateEnrollment<S extends CommonSettings>(
  ctx: UserContext,
  settings: MethodSettings<S>,
  exchangeId: string,
  seed: (enrollment: Enrollment, settings: S) => RotationSeed,
): Promise<{ exchange: Enrollment; settings: S }> {
  return renewEnrollment(ctx, exchangeId, async (tx, enrollment) => {
    const { settings: current } = await settings.read(ctx.deps.tenantMethods.via(tx), enrollment.tenantId);
    const fresh = seed(enrollment, current);
    await retireExchange(tx, enrollment.exchangeId, enrollment.statusId, ctx.now);
    const rotated = await transition(tx, enrollment, 'rotate', ctx, {
      exchangeId: uuidv4(),
      ...(fresh.secret ? { secret: fresh.secret } : {}),
      ...(fresh.methodState ? { methodState: fresh.methodState } : {}),
      expiresAt: new Date(ctx.now.getTime() + current.exchange_lifetime * 1000),
      deviceId: null,
      pushId: null,
      failedAttempts: 0,
    });
    return succeed({ exchange: rotated, settings: current });
  });
}

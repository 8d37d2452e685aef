import { mayActFor } from '../auth/acting-for.ts';
import { SCOPES, type Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import { requireStepUp, type StepUp } from '../step-up/require-step-up.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import { toDeviceView, type DeviceView } from '../authenticators/authenticator.ts';
import { implementedMethod } from '../methods/registry.ts';
import { deleteAuthenticator, findAuthenticator, listAuthenticators, renameAuthenticator } from '../authenticators/authenticator-repository.ts';

/** Who acts on devices: the caller's own, or any of the tenant's for an admin (the acting-for policy, `verification:admin`). */
export type DeviceActor = Principal;

/** The user's authenticators, each with what its method adds to the list (BACKUPCODE: `remaining`). */
export function listDevices(db: Database, tenantId: string, sub: string, type?: VerificationType): Promise<DeviceView[]> {
  return listAuthenticators(db, tenantId, sub, type).then((list) =>
    list.map((a) => ({ ...implementedMethod(a.verificationType)?.describeDevice?.(a), ...toDeviceView(a) })),
  );
}

/** Someone else's device is reported as missing, not forbidden, so ph_ids cannot be probed. */
async function requireOwnDevice(q: Queryable, actor: DeviceActor, phId: string) {
  const device = await findAuthenticator(q, actor.tenantId, phId);
  if (!device || !mayActFor(actor, device.sub, SCOPES.admin)) throw new VerificationError('DEVICE_NOT_FOUND');
  return device;
}

export interface RemoveDeviceRequest {
  actor: DeviceActor;
  phId: string;
  /** The caller's proof of a fresh second factor. */
  stepUp: StepUp;
  now: Date;
  /** Records `factor.removed` in the transaction of the removal. */
  events: SecurityEventRecorder;
}

/**
 * Removes an authenticator; its codes stop working at once. Removing one's own needs step-up,
 * so a stolen first-factor token cannot strip the user's factors; an admin removing another
 * user's authenticator needs none (account recovery: that user has lost the device).
 * `factor.removed` is recorded in the same transaction, and so is what the method ends with the
 * authenticator (PUSH: the challenges no remaining device can answer are cancelled).
 *
 * @throws VerificationError DEVICE_NOT_FOUND, STEP_UP_REQUIRED
 */
export function removeDevice(db: Database, { actor, phId, stepUp, now, events }: RemoveDeviceRequest): Promise<void> {
  return db.transaction(async (tx) => {
    const device = await requireOwnDevice(tx, actor, phId);
    const recovery = device.sub !== actor.sub;
    if (!recovery) await requireStepUp(tx, { ...stepUp, tenantId: actor.tenantId, sub: device.sub, now });
    await implementedMethod(device.verificationType)?.removing?.(tx, device, { now, events });
    if (!(await deleteAuthenticator(tx, actor.tenantId, phId))) throw new VerificationError('DEVICE_NOT_FOUND');
    await events.record(tx, {
      event: 'factor.removed',
      tenantId: device.tenantId,
      sub: device.sub,
      type: device.verificationType,
      phId,
      actor: recovery ? { kind: 'admin', sub: actor.sub } : { kind: 'self' },
    });
  });
}

export async function renameDevice(db: Database, actor: DeviceActor, phId: string, friendlyName: string): Promise<DeviceView> {
  await requireOwnDevice(db, actor, phId);
  const renamed = await renameAuthenticator(db, actor.tenantId, phId, friendlyName);
  if (!renamed) throw new VerificationError('DEVICE_NOT_FOUND');
  return toDeviceView(renamed);
}

import type { Database, Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import { toDeviceView, type DeviceView } from './authenticator.ts';
import { deleteAuthenticator, findAuthenticator, listAuthenticators, renameAuthenticator } from './authenticator-repository.ts';

/** Whose devices an operation may touch: the caller's own, or any of the tenant's for an admin. */
export interface DeviceActor {
  tenantId: string;
  sub: string;
  isAdmin: boolean;
}

export function listDevices(db: Database, tenantId: string, sub: string, type?: VerificationType): Promise<DeviceView[]> {
  return listAuthenticators(db, tenantId, sub, type).then((list) => list.map(toDeviceView));
}

/** Someone else's device is reported as missing, not forbidden, so ph_ids cannot be probed. */
async function requireOwnDevice(q: Queryable, actor: DeviceActor, phId: string) {
  const device = await findAuthenticator(q, actor.tenantId, phId);
  if (!device || (!actor.isAdmin && device.sub !== actor.sub)) throw new VerificationError('DEVICE_NOT_FOUND');
  return device;
}

/**
 * Deletes an authenticator of the actor (or, for an admin, of any user of the tenant) and
 * records `factor.removed` in the same transaction.
 *
 * @throws VerificationError DEVICE_NOT_FOUND
 */
export function removeDevice(db: Database, actor: DeviceActor, phId: string, events: SecurityEventRecorder): Promise<void> {
  return db.transaction(async (tx) => {
    const device = await requireOwnDevice(tx, actor, phId);
    if (!(await deleteAuthenticator(tx, actor.tenantId, phId))) throw new VerificationError('DEVICE_NOT_FOUND');
    await events.record(tx, {
      event: 'factor.removed',
      tenantId: device.tenantId,
      sub: device.sub,
      type: device.verificationType,
      phId,
      actor: device.sub === actor.sub ? { kind: 'self' } : { kind: 'admin', sub: actor.sub },
    });
  });
}

export async function renameDevice(db: Database, actor: DeviceActor, phId: string, friendlyName: string): Promise<DeviceView> {
  await requireOwnDevice(db, actor, phId);
  const renamed = await renameAuthenticator(db, actor.tenantId, phId, friendlyName);
  if (!renamed) throw new VerificationError('DEVICE_NOT_FOUND');
  return toDeviceView(renamed);
}

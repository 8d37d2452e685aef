import type { Database } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
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
async function requireOwnDevice(db: Database, actor: DeviceActor, phId: string) {
  const device = await findAuthenticator(db, actor.tenantId, phId);
  if (!device || (!actor.isAdmin && device.sub !== actor.sub)) throw new VerificationError('DEVICE_NOT_FOUND');
  return device;
}

export async function removeDevice(db: Database, actor: DeviceActor, phId: string): Promise<void> {
  await requireOwnDevice(db, actor, phId);
  if (!(await deleteAuthenticator(db, actor.tenantId, phId))) throw new VerificationError('DEVICE_NOT_FOUND');
}

export async function renameDevice(db: Database, actor: DeviceActor, phId: string, friendlyName: string): Promise<DeviceView> {
  await requireOwnDevice(db, actor, phId);
  const renamed = await renameAuthenticator(db, actor.tenantId, phId, friendlyName);
  if (!renamed) throw new VerificationError('DEVICE_NOT_FOUND');
  return toDeviceView(renamed);
}

import { isLiveStatus, type StatusDocument, type VersionedStatus } from '../status/status-document.ts';
import { deliveryOf } from './delivery-state.ts';
import type { Exchange } from './exchange.ts';

/**
 * The status document of an exchange: `ph_id` (and `device_id`) once an enrollment is ENROLLED
 * or a challenge AUTHENTICATED, and, while a live exchange waits for a message (SMS/EMAIL
 * codes), where that message is (`delivery`, its destination masked); nothing more: the
 * document is all a status-id holder learns.
 */
export function toStatusDocument(e: Exchange): StatusDocument {
  const done = e.status === 'ENROLLED' || e.status === 'AUTHENTICATED';
  const delivery = isLiveStatus(e.status) ? deliveryOf(e.methodState) : undefined;
  return {
    status: e.status,
    id: e.statusId,
    sub: e.sub,
    type: e.verificationType,
    ...(done && e.phId ? { ph_id: e.phId } : {}),
    ...(done && e.deviceId ? { device_id: e.deviceId } : {}),
    ...(delivery ? { delivery } : {}),
    expires_at: e.expiresAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/** The status document with the version that orders it (ETag, events, the cache). */
export function toVersionedStatus(e: Exchange): VersionedStatus {
  return { document: toStatusDocument(e), version: e.version };
}

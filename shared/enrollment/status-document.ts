import type { Enrollment } from './enrollment.ts';
import type { EnrollmentStatus } from './state-machine.ts';

/** What anyone holding a status id sees: the seed's shape plus timing. */
export interface StatusDocument {
  status: EnrollmentStatus;
  id: string;
  sub: string;
  type: string;
  ph_id?: string;
  device_id?: string;
  expires_at: string;
  updated_at: string;
}

/** A status document with the version that orders it among its predecessors. */
export interface VersionedStatus {
  document: StatusDocument;
  version: number;
}

export function toStatusDocument(e: Enrollment): StatusDocument {
  return {
    status: e.status,
    id: e.statusId,
    sub: e.sub,
    type: e.verificationType,
    ...(e.status === 'ENROLLED' && e.phId ? { ph_id: e.phId } : {}),
    ...(e.status === 'ENROLLED' && e.deviceId ? { device_id: e.deviceId } : {}),
    expires_at: e.expiresAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

export function toVersionedStatus(e: Enrollment): VersionedStatus {
  return { document: toStatusDocument(e), version: e.version };
}

/** Strong ETag of one version of one status. */
export function statusEtag(status: VersionedStatus): string {
  return `"${status.document.id}.${status.version}"`;
}

import type { JsonObject } from '../db/json.ts';
import type { SealedSecret } from '../otp/secret-box.ts';
import type { VerificationType } from '../tenants/verification-type.ts';

/**
 * An enrolled second factor of one user (cidaas calls its id `ph_id`), of any method. Each
 * method keeps its own non-secret attributes in `data` (e.g. TOTP's parameters) and, when it
 * has one, its secret sealed in `secret`. `counter` only ever moves forward: the last TOTP step
 * accepted, a WebAuthn signature count, whatever a method must never see again.
 */
export interface Authenticator {
  phId: string;
  tenantId: string;
  sub: string;
  verificationType: VerificationType;
  /** The enrollment that created it; null for a method that enrolls without one (BACKUPCODE). */
  enrollmentStatusId: string | null;
  deviceId: string | null;
  pushId: string | null;
  publicKey: string | null;
  friendlyName: string | null;
  secret: SealedSecret | null;
  counter: number;
  data: JsonObject;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What a user or admin sees of an authenticator: never the secret. */
export interface DeviceView {
  ph_id: string;
  sub: string;
  verification_type: VerificationType;
  device_id: string | null;
  friendly_name: string | null;
  created_at: string;
  last_used_at: string | null;
}

export function toDeviceView(a: Authenticator): DeviceView {
  return {
    ph_id: a.phId,
    sub: a.sub,
    verification_type: a.verificationType,
    device_id: a.deviceId,
    friendly_name: a.friendlyName,
    created_at: a.createdAt.toISOString(),
    last_used_at: a.lastUsedAt?.toISOString() ?? null,
  };
}

import type { SealedSecret } from '../otp/secret-box.ts';
import type { TotpParams } from '../otp/totp.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import type { EnrollmentStatus } from './state-machine.ts';

/** TOTP parameters fixed at initiation, so a later settings change cannot break a pending enrollment. */
export interface CodeParams extends TotpParams {
  window: number;
}

export interface Enrollment {
  statusId: string;
  exchangeId: string;
  tenantId: string;
  sub: string;
  verificationType: VerificationType;
  status: EnrollmentStatus;
  authenticatorClientId: string;
  /** Present while the enrollment is live; cleared when it ends. */
  secret: SealedSecret | null;
  params: CodeParams;
  deviceId: string | null;
  pushId: string | null;
  publicKey: string | null;
  phId: string | null;
  failedAttempts: number;
  maxAttempts: number;
  /**
   * Whether the user already had a factor at initiation, so the initiation passed step-up.
   * When false, the enrollment may only become the user's first factor (DESIGN §8).
   */
  steppedUp: boolean;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** Wrong codes an enrollment accepts before it becomes FAILED. */
export const MAX_ENROLLMENT_ATTEMPTS = 5;

/** Associated data sealing a user's TOTP secret: a ciphertext copied to another user's row will not open. */
export function secretBinding(tenantId: string, sub: string): string {
  return `${tenantId}:${sub}`;
}

import type { JsonObject } from '../db/json.ts';
import type { SealedSecret } from '../otp/secret-box.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import type { ChallengeStatus, EnrollmentStatus, ExchangeKind } from './state-machine.ts';

export type { ExchangeKind } from './state-machine.ts';

/** The statuses an exchange of kind `K` moves through. */
export type StatusOf<K extends ExchangeKind> = K extends 'enrollment' ? EnrollmentStatus : ChallengeStatus;

/**
 * One enrollment or sign-in challenge of one user. Methods keep what is theirs in
 * `methodState` (not secret, e.g. TOTP's parameters fixed at initiation) and in `secret`
 * (sealed; present only while the exchange is live and erased when it ends).
 */
export interface Exchange<K extends ExchangeKind = ExchangeKind> {
  kind: K;
  statusId: string;
  exchangeId: string;
  tenantId: string;
  sub: string;
  verificationType: VerificationType;
  status: StatusOf<K>;
  /** The companion app's client id (enrollments shown as a QR code); null for challenges. */
  authenticatorClientId: string | null;
  /** Present while the exchange is live, when its method has a secret; cleared when it ends. */
  secret: SealedSecret | null;
  /** The method's own non-secret state (a `jsonb` object). */
  methodState: JsonObject;
  deviceId: string | null;
  pushId: string | null;
  publicKey: string | null;
  /** The authenticator the exchange created (ENROLLED) or was answered with (AUTHENTICATED). */
  phId: string | null;
  failedAttempts: number;
  maxAttempts: number;
  /**
   * Enrollments: whether the user already had a factor at initiation, so the initiation passed
   * step-up. When false, the enrollment may only become the user's first factor (DESIGN §8).
   * Always false for challenges.
   */
  steppedUp: boolean;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type Enrollment = Exchange<'enrollment'>;
export type Challenge = Exchange<'challenge'>;

/** Wrong codes an exchange accepts before it becomes FAILED. */
export const MAX_FAILED_ATTEMPTS = 5;

/** Which exchange an exchange id names, as a request addresses it: of this kind and method, or none. */
export interface ExchangeRef<K extends ExchangeKind> {
  kind: K;
  type: VerificationType;
  exchangeId: string;
}

/** Whose exchange it is; another user's is treated as unknown. */
export interface Owner {
  tenantId: string;
  sub: string;
}

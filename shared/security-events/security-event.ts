import type { VerificationType } from '../tenants/method-settings.ts';

/** Whose account an event concerns. */
interface Subject {
  tenantId: string;
  sub: string;
}

/** The user and the method an event concerns. */
interface MethodSubject extends Subject {
  type: VerificationType;
}

/** Who removed a factor: the user themself, or an admin of the tenant (account recovery). */
export type RemovalActor = { kind: 'self' } | { kind: 'admin'; sub: string };

/** Which operation a missing step-up proof refused (DESIGN §8). */
export type StepUpOperation = 'initiate_enrollment' | 'remove_device' | 'regenerate_backup_codes' | 'change_destination';

/**
 * Every security event the service records, one variant per `event` name. Each variant names
 * exactly the fields a sink may write, so a code, secret, token or exchange id has no place to
 * go: none of them is a field of any variant.
 */
export type SecurityEvent =
  | (MethodSubject & { event: 'authentication.succeeded'; phId: string })
  /** A sign-in code that matched no authenticator; `failures` is the consecutive count now. */
  | (MethodSubject & { event: 'authentication.wrong_code'; failures: number; retryAfterS?: number })
  /** A sign-in code that was valid once and is refused as already used. */
  | (MethodSubject & { event: 'authentication.replay'; phId: string })
  /** A sign-in refused unchecked because the user is in backoff or locked out. */
  | (MethodSubject & { event: 'authentication.throttled'; retryAfterS: number })
  /** A wrong code locked sign-in for the full lockout period. */
  | (MethodSubject & { event: 'lockout.started'; failures: number; lockedUntil: Date })
  | (MethodSubject & { event: 'enrollment.wrong_code'; statusId: string; remainingAttempts: number })
  /** Too many wrong codes: the enrollment is FAILED. */
  | (MethodSubject & { event: 'enrollment.failed'; statusId: string; attempts: number })
  | (MethodSubject & { event: 'factor.added'; phId: string; statusId: string; via: 'profile' | 'app' })
  | (MethodSubject & { event: 'factor.removed'; phId: string; actor: RemovalActor })
  | (Subject & { event: 'stepup.refused'; operation: StepUpOperation; reason: string; type?: VerificationType });

export type SecurityEventName = SecurityEvent['event'];

/** What an event means for the attempt it records (the `outcome` of the log line and the audit row). */
export type SecurityOutcome = 'success' | 'failure' | 'refused';

/** One table, so every sink reports the same outcome for the same event. */
export const OUTCOME_OF: Readonly<Record<SecurityEventName, SecurityOutcome>> = {
  'authentication.succeeded': 'success',
  'authentication.wrong_code': 'failure',
  'authentication.replay': 'failure',
  'authentication.throttled': 'refused',
  'lockout.started': 'failure',
  'enrollment.wrong_code': 'failure',
  'enrollment.failed': 'failure',
  'factor.added': 'success',
  'factor.removed': 'success',
  'stepup.refused': 'refused',
};

/** Where the request that caused an event came from (for the log line and, later, the audit row). */
export interface RequestOrigin {
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

/** An event as sinks receive it: what happened, when (service clock) and for which request. */
export interface RecordedEvent {
  event: SecurityEvent;
  at: Date;
  origin: RequestOrigin;
}

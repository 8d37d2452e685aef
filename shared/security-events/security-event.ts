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

/** Why a sign-in challenge was denied: by the user on the device, by a wrong number match, or reported as fraud. */
export type DenialReason = 'user_denied' | 'wrong_number' | 'fraud';

/** The wire name of the BACKUPCODE method, for events that concern backup codes. */
export const BACKUPCODE = 'BACKUPCODE';

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
  /**
   * A validly signed WebAuthn assertion whose signature counter did not move forward: the
   * credential's key may exist twice (a cloned authenticator). The sign-in is refused.
   */
  | (MethodSubject & { event: 'authentication.clone_warning'; phId: string; storedCounter: number; receivedCounter: number })
  /**
   * A WebAuthn assertion answering a challenge was refused: malformed, badly signed, for another
   * challenge, origin or RP ID, without the user verification the method demands, or of an
   * unknown credential. `code` is the refusal's stable code (`VER_0080`…), never the response.
   */
  | (MethodSubject & { event: 'authentication.invalid_response'; statusId: string; code: string })
  /** A sign-in refused unchecked because the user is in backoff or locked out. */
  | (MethodSubject & { event: 'authentication.throttled'; retryAfterS: number })
  /** A wrong code locked sign-in for the full lockout period. */
  | (MethodSubject & { event: 'lockout.started'; failures: number; lockedUntil: Date })
  | (MethodSubject & { event: 'enrollment.wrong_code'; statusId: string; remainingAttempts: number })
  /** A WebAuthn registration response was refused (`code`: VER_0080…); the enrollment stays open. */
  | (MethodSubject & { event: 'enrollment.invalid_response'; statusId: string; code: string })
  /** Too many wrong codes: the enrollment is FAILED. */
  | (MethodSubject & { event: 'enrollment.failed'; statusId: string; attempts: number })
  /** `statusId`: the enrollment that added it; none for a factor added without one (BACKUPCODE). */
  | (MethodSubject & { event: 'factor.added'; phId: string; statusId?: string; via: 'profile' | 'app' })
  | (MethodSubject & { event: 'factor.removed'; phId: string; actor: RemovalActor })
  | (Subject & { event: 'stepup.refused'; operation: StepUpOperation; reason: string; type?: VerificationType })
  /** A sign-in challenge answered with a refusal (PUSH: deny, wrong number, fraud report). */
  | (MethodSubject & { event: 'authentication.denied'; reason: DenialReason; phId?: string; statusId?: string })
  /**
   * Status transitions of an enrollment (DESIGN §4), recorded through recordEnrollmentTransition.
   * FAILED is `enrollment.failed` above.
   */
  | (MethodSubject & { event: 'enrollment.initiated'; statusId: string })
  /** A rotation gave the enrollment a new exchange and secret (back to INITIATED). */
  | (MethodSubject & { event: 'enrollment.rotated'; statusId: string })
  | (MethodSubject & { event: 'enrollment.scanned'; statusId: string })
  | (MethodSubject & { event: 'enrollment.enrolled'; statusId: string; phId: string })
  | (MethodSubject & { event: 'enrollment.expired'; statusId: string })
  | (MethodSubject & { event: 'enrollment.cancelled'; statusId: string })
  /**
   * Status transitions of a sign-in challenge (DESIGN §9), recorded where every transition is
   * made (shared/exchanges/transition-events.ts). They are the challenge's own record; the
   * verification attempts that cause them (`authentication.*`) are recorded besides.
   */
  | (MethodSubject & { event: 'challenge.initiated' | 'challenge.denied' | 'challenge.expired' | 'challenge.cancelled'; statusId: string })
  | (MethodSubject & { event: 'challenge.authenticated'; statusId: string; phId?: string })
  /** Too many wrong answers: the challenge is FAILED. */
  | (MethodSubject & { event: 'challenge.failed'; statusId: string; attempts: number })
  /** A new set of backup codes replaced the old one (DESIGN §15); `count` codes, never the codes. */
  | (Subject & { event: 'backupcodes.regenerated'; phId: string; count: number })
  /** A backup code signed the user in; `remaining` codes are left. */
  | (Subject & { event: 'backupcodes.used'; phId: string; remaining: number })
  /** A use left the user with few backup codes (`remaining`): time to tell them to make new ones. */
  | (Subject & { event: 'backupcodes.low'; phId: string; remaining: number })
  /**
   * An admin (`sub`) changed a method's tenant settings: the names of what changed, never the
   * values (a later method's settings may hold credentials).
   */
  | (Subject & { event: 'settings.changed'; type: VerificationType; changed: string[] });

export type SecurityEventName = SecurityEvent['event'];

/** What an event means for the attempt it records (the `outcome` of the log line and the audit row). */
export type SecurityOutcome = 'success' | 'failure' | 'refused';

/** One table, so every sink reports the same outcome for the same event. */
export const OUTCOME_OF: Readonly<Record<SecurityEventName, SecurityOutcome>> = {
  'authentication.succeeded': 'success',
  'authentication.wrong_code': 'failure',
  'authentication.replay': 'failure',
  'authentication.clone_warning': 'failure',
  'authentication.invalid_response': 'failure',
  'authentication.throttled': 'refused',
  'lockout.started': 'failure',
  'enrollment.wrong_code': 'failure',
  'enrollment.invalid_response': 'failure',
  'enrollment.failed': 'failure',
  'factor.added': 'success',
  'factor.removed': 'success',
  'stepup.refused': 'refused',
  'authentication.denied': 'refused',
  'enrollment.initiated': 'success',
  'enrollment.rotated': 'success',
  'enrollment.scanned': 'success',
  'enrollment.enrolled': 'success',
  'enrollment.expired': 'failure',
  'enrollment.cancelled': 'success',
  'challenge.initiated': 'success',
  'challenge.authenticated': 'success',
  'challenge.denied': 'refused',
  'challenge.expired': 'failure',
  'challenge.cancelled': 'success',
  'challenge.failed': 'failure',
  'backupcodes.regenerated': 'success',
  'backupcodes.used': 'success',
  'backupcodes.low': 'success',
  'settings.changed': 'success',
};

/** The method an event concerns (backup-code events name BACKUPCODE), or undefined when it names none. */
export function methodOf(event: SecurityEvent): string | undefined {
  if (event.event === 'backupcodes.regenerated' || event.event === 'backupcodes.used' || event.event === 'backupcodes.low') return BACKUPCODE;
  return event.type;
}

/** Where the request that caused an event came from (for the log line and the audit row). */
export interface RequestOrigin {
  requestId?: string;
  ip?: string;
  userAgent?: string;
  /**
   * The `sub` of the bearer token that made the request (the user, an admin or a backend);
   * absent for requests without one (the authenticator app's path) and background jobs.
   */
  actor?: string;
}

/** An event as sinks receive it: what happened, when (service clock) and for which request. */
export interface RecordedEvent {
  event: SecurityEvent;
  at: Date;
  origin: RequestOrigin;
}

import { VerificationError } from '../errors/verification-error.ts';
import type { ExchangeStatus, LiveStatus } from '../status/status-document.ts';

/** What an enrollment moves through (DESIGN §4). */
export const ENROLLMENT_STATUSES = ['INITIATED', 'SCANNED', 'ENROLLED', 'EXPIRED', 'CANCELLED', 'FAILED'] as const satisfies readonly ExchangeStatus[];
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** What a sign-in challenge moves through (DESIGN §9). */
export const CHALLENGE_STATUSES = ['INITIATED', 'AUTHENTICATED', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED'] as const satisfies readonly ExchangeStatus[];
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

interface Transition<S extends ExchangeStatus> {
  from: readonly (S & LiveStatus)[];
  to: S;
}

/**
 * The two state machines. Only live statuses have a way out, so terminal statuses never
 * change; `expire` leaves every live status of its kind (the expiry rule, see hasLapsed).
 */
export const TRANSITIONS = {
  enrollment: {
    scan: { from: ['INITIATED'], to: 'SCANNED' },
    enroll: { from: ['SCANNED'], to: 'ENROLLED' },
    verify: { from: ['INITIATED'], to: 'ENROLLED' },
    expire: { from: ['INITIATED', 'SCANNED'], to: 'EXPIRED' },
    cancel: { from: ['INITIATED', 'SCANNED'], to: 'CANCELLED' },
    fail: { from: ['INITIATED', 'SCANNED'], to: 'FAILED' },
    rotate: { from: ['INITIATED', 'SCANNED'], to: 'INITIATED' },
  },
  challenge: {
    authenticate: { from: ['INITIATED'], to: 'AUTHENTICATED' },
    deny: { from: ['INITIATED'], to: 'DENIED' },
    expire: { from: ['INITIATED'], to: 'EXPIRED' },
    cancel: { from: ['INITIATED'], to: 'CANCELLED' },
    fail: { from: ['INITIATED'], to: 'FAILED' },
  },
} as const satisfies {
  enrollment: Record<string, Transition<EnrollmentStatus>>;
  challenge: Record<string, Transition<ChallengeStatus>>;
};

/**
 * What an exchange is for: an **enrollment** adds a factor (DESIGN §4), a sign-in **challenge**
 * proves one (DESIGN §9). Both are watched by their status id and acted on by their exchange id.
 */
export type ExchangeKind = keyof typeof TRANSITIONS;

/** What can happen to an exchange of kind `K`. */
export type ExchangeEvent<K extends ExchangeKind> = keyof (typeof TRANSITIONS)[K] & string;
export type EnrollmentEvent = ExchangeEvent<'enrollment'>;
export type ChallengeEvent = ExchangeEvent<'challenge'>;

/** The transition `event` names for kind `kind`. */
export function transitionOf<K extends ExchangeKind>(kind: K, event: ExchangeEvent<K>): { from: readonly ExchangeStatus[]; to: ExchangeStatus } {
  return (TRANSITIONS[kind] as Record<string, { from: readonly ExchangeStatus[]; to: ExchangeStatus }>)[event]!;
}

/** Whether `event` may happen to an exchange of `kind` in `status`. */
export function canApply<K extends ExchangeKind>(kind: K, event: ExchangeEvent<K>, status: ExchangeStatus): boolean {
  return transitionOf(kind, event).from.includes(status);
}

/** The 409 that says why `event` cannot happen to an enrollment in `status`. */
function enrollmentRefusal(event: string, status: ExchangeStatus): VerificationError {
  switch (status) {
    case 'ENROLLED':
      return new VerificationError('ALREADY_ENROLLED');
    case 'EXPIRED':
      return new VerificationError('ENROLLMENT_EXPIRED');
    case 'CANCELLED':
      return new VerificationError('ENROLLMENT_CANCELLED');
    case 'FAILED':
      return new VerificationError('ENROLLMENT_FAILED');
    case 'INITIATED':
      return new VerificationError('ENROLLMENT_NOT_SCANNED', `${event} needs the authenticator app to scan the code first`);
    case 'SCANNED':
      return new VerificationError('ENROLLMENT_ALREADY_SCANNED', `${event} is not possible once an authenticator app scanned the code`);
    default:
      return new VerificationError('INTERNAL', `an enrollment cannot be ${status}`);
  }
}

/** The 409 that says why `event` cannot happen to a sign-in challenge in `status`. */
function challengeRefusal(event: string, status: ExchangeStatus): VerificationError {
  switch (status) {
    case 'AUTHENTICATED':
      return new VerificationError('CHALLENGE_COMPLETED');
    case 'DENIED':
      return new VerificationError('CHALLENGE_DENIED');
    case 'EXPIRED':
      return new VerificationError('CHALLENGE_EXPIRED');
    case 'CANCELLED':
      return new VerificationError('CHALLENGE_CANCELLED');
    case 'FAILED':
      return new VerificationError('CHALLENGE_FAILED');
    case 'INITIATED':
      return new VerificationError('CHALLENGE_PENDING', `${event} needs the challenge to be answered first`);
    default:
      return new VerificationError('INTERNAL', `a sign-in challenge cannot be ${status}`);
  }
}

/** The 409 that says why `event` cannot happen to an exchange of `kind` in `status`. */
export function refusal<K extends ExchangeKind>(kind: K, event: ExchangeEvent<K>, status: ExchangeStatus): VerificationError {
  return kind === 'enrollment' ? enrollmentRefusal(event, status) : challengeRefusal(event, status);
}

/** The 409 for an exchange of `kind` whose lifetime ended. */
export function expiredRefusal(kind: ExchangeKind): VerificationError {
  return new VerificationError(kind === 'enrollment' ? 'ENROLLMENT_EXPIRED' : 'CHALLENGE_EXPIRED');
}

/** The 404 for an exchange id that names no exchange of `kind` of the caller (or someone else's). */
export function notFoundRefusal(kind: ExchangeKind): VerificationError {
  return kind === 'enrollment'
    ? new VerificationError('ENROLLMENT_NOT_FOUND', 'no enrollment has this exchange id')
    : new VerificationError('CHALLENGE_NOT_FOUND', 'no sign-in challenge has this exchange id');
}

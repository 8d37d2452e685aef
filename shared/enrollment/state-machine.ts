import { VerificationError } from '../errors/verification-error.ts';

export const ENROLLMENT_STATUSES = ['INITIATED', 'SCANNED', 'ENROLLED', 'EXPIRED', 'CANCELLED', 'FAILED'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** What can happen to an enrollment, and from which states (DESIGN §4). */
export const TRANSITIONS = {
  scan: { from: ['INITIATED'], to: 'SCANNED' },
  enroll: { from: ['SCANNED'], to: 'ENROLLED' },
  verify: { from: ['INITIATED'], to: 'ENROLLED' },
  expire: { from: ['INITIATED', 'SCANNED'], to: 'EXPIRED' },
  cancel: { from: ['INITIATED', 'SCANNED'], to: 'CANCELLED' },
  fail: { from: ['INITIATED', 'SCANNED'], to: 'FAILED' },
  rotate: { from: ['INITIATED', 'SCANNED'], to: 'INITIATED' },
} as const satisfies Record<string, { from: readonly EnrollmentStatus[]; to: EnrollmentStatus }>;
export type EnrollmentEvent = keyof typeof TRANSITIONS;

export const LIVE_STATUSES: readonly EnrollmentStatus[] = ['INITIATED', 'SCANNED'];

export function isTerminal(status: EnrollmentStatus): boolean {
  return !LIVE_STATUSES.includes(status);
}

export function canApply(event: EnrollmentEvent, status: EnrollmentStatus): boolean {
  return (TRANSITIONS[event].from as readonly EnrollmentStatus[]).includes(status);
}

/** The 409 that says why `event` cannot happen to an enrollment in `status`. */
export function refusal(event: EnrollmentEvent, status: EnrollmentStatus): VerificationError {
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
  }
}

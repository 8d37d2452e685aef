import type { Queryable } from '../db/database.ts';
import type { VerificationType } from '../tenants/method-settings.ts';
import type { SecurityEventRecorder } from './recorder.ts';
import type { SecurityEvent } from './security-event.ts';

/** The enrollment a transition happened to. */
export interface TransitionSubject {
  tenantId: string;
  sub: string;
  type: VerificationType;
  statusId: string;
}

/** The status an enrollment moved to, with what that status adds. */
export type EnrollmentTransition =
  /** `rotated`: a rotation replaced the exchange and secret (INITIATED or SCANNED → INITIATED). */
  | { status: 'INITIATED'; rotated?: boolean }
  | { status: 'SCANNED' | 'EXPIRED' | 'CANCELLED' }
  | { status: 'ENROLLED'; phId: string }
  | { status: 'FAILED'; attempts: number };

/** The security event that records `transition` of `subject`. */
export function enrollmentTransitionEvent(subject: TransitionSubject, transition: EnrollmentTransition): SecurityEvent {
  switch (transition.status) {
    case 'INITIATED':
      return { event: transition.rotated ? 'enrollment.rotated' : 'enrollment.initiated', ...subject };
    case 'SCANNED':
      return { event: 'enrollment.scanned', ...subject };
    case 'ENROLLED':
      return { event: 'enrollment.enrolled', ...subject, phId: transition.phId };
    case 'EXPIRED':
      return { event: 'enrollment.expired', ...subject };
    case 'CANCELLED':
      return { event: 'enrollment.cancelled', ...subject };
    case 'FAILED':
      return { event: 'enrollment.failed', ...subject, attempts: transition.attempts };
  }
}

/**
 * Records one status transition of an enrollment (DESIGN §4) as a security event, so the audit
 * trail and the `enrollment.*` webhooks see it. The exchanges' choke point
 * (`announceTransition` in shared/exchanges/exchange-access.ts: creation, every state-machine
 * event, the expiry sweep) records every transition through enrollmentTransitionEvent; call
 * this only for a transition made outside it (none today).
 *
 * @example
 * ```ts
 * await recordEnrollmentTransition(events, tx, { tenantId, sub, type: 'TOTP', statusId }, { status: 'ENROLLED', phId });
 * ```
 */
export function recordEnrollmentTransition(
  events: SecurityEventRecorder,
  tx: Queryable,
  subject: TransitionSubject,
  transition: EnrollmentTransition,
): Promise<void> {
  return events.record(tx, enrollmentTransitionEvent(subject, transition));
}

import { enrollmentTransitionEvent, type EnrollmentTransition, type SecurityEvent, type TransitionSubject } from '../security-events/index.ts';
import type { Challenge, Enrollment, Exchange } from './exchange.ts';
import type { ExchangeEvent, ExchangeKind } from './state-machine.ts';

/** How an exchange got its current status: created, or by one event of its state machine. */
export type Cause<K extends ExchangeKind> = 'create' | ExchangeEvent<K>;

function enrollmentTransition(e: Enrollment, cause: Cause<'enrollment'>): EnrollmentTransition {
  switch (cause) {
    case 'create':
      return { status: 'INITIATED' };
    case 'rotate':
      return { status: 'INITIATED', rotated: true };
    case 'scan':
      return { status: 'SCANNED' };
    case 'enroll':
    case 'verify':
      return { status: 'ENROLLED', phId: e.phId! };
    case 'expire':
      return { status: 'EXPIRED' };
    case 'cancel':
      return { status: 'CANCELLED' };
    case 'fail':
      return { status: 'FAILED', attempts: e.failedAttempts };
  }
}

function challengeTransitionEvent(c: Challenge, subject: TransitionSubject, cause: Cause<'challenge'>): SecurityEvent {
  switch (cause) {
    case 'create':
      return { event: 'challenge.initiated', ...subject };
    case 'authenticate':
      return { event: 'challenge.authenticated', ...subject, ...(c.phId ? { phId: c.phId } : {}) };
    case 'deny':
      return { event: 'challenge.denied', ...subject };
    case 'expire':
      return { event: 'challenge.expired', ...subject };
    case 'cancel':
      return { event: 'challenge.cancelled', ...subject };
    case 'fail':
      return { event: 'challenge.failed', ...subject, attempts: c.failedAttempts };
  }
}

/**
 * The one security event that records `exchange` having reached its current status through
 * `cause` (DESIGN §16: every transition is a row): `enrollment.*` for enrollments,
 * `challenge.*` for sign-in challenges. Built from the exchange as the change left it, so the
 * event says what was stored (the ph_id enrolled, the attempts that failed it).
 */
export function transitionEvent<K extends ExchangeKind>(exchange: Exchange<K>, cause: Cause<K>): SecurityEvent {
  const subject = { tenantId: exchange.tenantId, sub: exchange.sub, type: exchange.verificationType, statusId: exchange.statusId };
  if (exchange.kind === 'enrollment') return enrollmentTransitionEvent(subject, enrollmentTransition(exchange as Enrollment, cause as Cause<'enrollment'>));
  return challengeTransitionEvent(exchange as Challenge, subject, cause as Cause<'challenge'>);
}

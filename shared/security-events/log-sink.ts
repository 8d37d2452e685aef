import type { Logger } from '../log/logger.ts';
import type { SecurityEventSink } from './recorder.ts';
import { OUTCOME_OF, methodOf, type RecordedEvent, type SecurityEvent } from './security-event.ts';

type LogFields = Record<string, string | number | string[] | undefined>;

/** The fields only some events carry, by name as they appear in the log line. */
function detailsOf(e: SecurityEvent): LogFields {
  switch (e.event) {
    case 'authentication.succeeded':
    case 'authentication.replay':
      return { ph_id: e.phId };
    case 'authentication.clone_warning':
      return { ph_id: e.phId, stored_counter: e.storedCounter, received_counter: e.receivedCounter };
    case 'authentication.invalid_response':
      return { status_id: e.statusId, code: e.code };
    case 'authentication.wrong_code':
      return { failures: e.failures, retry_after: e.retryAfterS };
    case 'authentication.throttled':
      return { retry_after: e.retryAfterS };
    case 'lockout.started':
      return { failures: e.failures, locked_until: e.lockedUntil.toISOString() };
    case 'enrollment.invalid_response':
      return { status_id: e.statusId, code: e.code };
    case 'enrollment.wrong_code':
      return { status_id: e.statusId, remaining_attempts: e.remainingAttempts };
    case 'enrollment.failed':
      return { status_id: e.statusId, attempts: e.attempts };
    case 'factor.added':
      return { ph_id: e.phId, status_id: e.statusId, via: e.via };
    case 'factor.removed':
      return { ph_id: e.phId, actor: e.actor.kind, actor_sub: e.actor.kind === 'admin' ? e.actor.sub : undefined };
    case 'stepup.refused':
      return { operation: e.operation, reason: e.reason };
    case 'authentication.denied':
      return { ph_id: e.phId, status_id: e.statusId, reason: e.reason };
    case 'enrollment.initiated':
    case 'enrollment.rotated':
    case 'enrollment.scanned':
    case 'enrollment.expired':
    case 'enrollment.cancelled':
    case 'challenge.initiated':
    case 'challenge.denied':
    case 'challenge.expired':
    case 'challenge.cancelled':
      return { status_id: e.statusId };
    case 'challenge.authenticated':
      return { status_id: e.statusId, ph_id: e.phId };
    case 'challenge.failed':
      return { status_id: e.statusId, attempts: e.attempts };
    case 'enrollment.enrolled':
      return { status_id: e.statusId, ph_id: e.phId };
    case 'backupcodes.regenerated':
      return { ph_id: e.phId, count: e.count };
    case 'backupcodes.used':
    case 'backupcodes.low':
      return { ph_id: e.phId, remaining: e.remaining };
    case 'settings.changed':
      return { changed: e.changed };
  }
}

/**
 * One structured line per event, built field by field from the event (never by spreading it),
 * so nothing but these fields reaches the log. Successes are `info`, everything else `warn`.
 */
export function toLogFields({ event, origin }: RecordedEvent): LogFields {
  return {
    event: event.event,
    tenant: event.tenantId,
    sub: event.sub,
    type: methodOf(event),
    outcome: OUTCOME_OF[event.event],
    ...detailsOf(event),
    requestId: origin.requestId,
    ip: origin.ip,
  };
}

/**
 * Writes security events to the log as they are recorded. The line is written while the
 * transaction is still open: should its commit fail, the log shows an event that did not
 * happen (the audit trail, written in the transaction, is the record that cannot).
 */
export function logSink(log: Logger): SecurityEventSink {
  return {
    write(_tx, recorded) {
      for (const one of recorded) {
        const fields = toLogFields(one);
        if (fields.outcome === 'success') log.info(fields, 'security event');
        else log.warn(fields, 'security event');
      }
    },
  };
}

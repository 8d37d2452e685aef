import { OUTCOME_OF, methodOf, type RecordedEvent, type SecurityEvent } from '../security-events/index.ts';
import { wellFormed } from './canonical-json.ts';

/** Event-specific facts of a row: counts, reasons, names. Never a code, secret, token or exchange id. */
export type AuditDetails = { [key: string]: string | number | boolean | string[] };

/**
 * One row of the audit trail as it is stored, listed and hashed. Members are named as on the
 * wire; absent values are `null`, so every row has every member.
 */
export interface AuditRecord {
  id: string;
  tenant: string;
  /** Position in the tenant's chain: 1, 2, 3, … without gaps. */
  seq: number;
  /** When the event happened (service clock), ISO 8601 in UTC with milliseconds. */
  at: string;
  /** Whose account the event concerns (for `settings.changed`, the admin who changed them). */
  sub: string | null;
  /** Who made the request: the bearer token's `sub`; null without a token (app path, background jobs). */
  actor: string | null;
  event: string;
  /** The method (`TOTP`, `BACKUPCODE`, …) when the event concerns one. */
  type: string | null;
  ph_id: string | null;
  status_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: AuditDetails;
  /** The previous row's `hash` (64 zeros before the first row). */
  prev_hash: string;
  /** SHA-256 over `prev_hash` and this row (audit-hash.ts). */
  hash: string;
}

/** What a recorded event contributes to a row; the chain adds id, seq and the hashes. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'seq' | 'prev_hash' | 'hash'>;

/** Drops members without a value, so a row's details hold only what the event said. */
function compact(details: { [key: string]: string | number | boolean | string[] | undefined }): AuditDetails {
  const kept: AuditDetails = {};
  for (const [key, value] of Object.entries(details)) if (value !== undefined) kept[key] = value;
  return kept;
}

function idsOf(e: SecurityEvent): { ph_id: string | null; status_id: string | null } {
  return {
    ph_id: 'phId' in e && e.phId !== undefined ? e.phId : null,
    status_id: 'statusId' in e && e.statusId !== undefined ? e.statusId : null,
  };
}

function detailsOf(e: SecurityEvent): AuditDetails {
  switch (e.event) {
    case 'authentication.succeeded':
    case 'authentication.replay':
    case 'enrollment.initiated':
    case 'enrollment.rotated':
    case 'enrollment.scanned':
    case 'enrollment.enrolled':
    case 'enrollment.expired':
    case 'enrollment.cancelled':
    case 'challenge.initiated':
    case 'challenge.authenticated':
    case 'challenge.denied':
    case 'challenge.expired':
    case 'challenge.cancelled':
      return {};
    case 'authentication.clone_warning':
      return { stored_counter: e.storedCounter, received_counter: e.receivedCounter };
    case 'authentication.invalid_response':
      return { code: e.code };
    case 'authentication.wrong_code':
      return compact({ failures: e.failures, retry_after: e.retryAfterS });
    case 'authentication.throttled':
      return { retry_after: e.retryAfterS };
    case 'authentication.denied':
      return { reason: e.reason };
    case 'lockout.started':
      return { failures: e.failures, locked_until: e.lockedUntil.toISOString() };
    case 'enrollment.invalid_response':
      return { code: e.code };
    case 'enrollment.wrong_code':
      return { remaining_attempts: e.remainingAttempts };
    case 'enrollment.failed':
    case 'challenge.failed':
      return { attempts: e.attempts };
    case 'factor.added':
      return { via: e.via };
    case 'factor.removed':
      // The admin's own sub is the row's actor; details say only which kind of removal it was.
      return { actor: e.actor.kind };
    case 'stepup.refused':
      return { operation: e.operation, reason: e.reason };
    case 'backupcodes.regenerated':
      return { count: e.count };
    case 'backupcodes.used':
    case 'backupcodes.low':
      return { remaining: e.remaining };
    case 'settings.changed':
      return { changed: [...e.changed] };
  }
}

/** Longest user agent kept: enough to tell browsers and apps apart, bounded against padding. */
const MAX_USER_AGENT = 512;

/** Text from outside (token claims, headers) as the row can hold and hash it. */
function text(value: string | undefined, max = Infinity): string | null {
  return value === undefined ? null : wellFormed(value.slice(0, max));
}

/**
 * The row a recorded event becomes, built member by member from the event (never by
 * spreading it), so nothing but these members can reach the table.
 */
export function auditEntryOf({ event, at, origin }: RecordedEvent): AuditEntry {
  return {
    tenant: event.tenantId,
    at: at.toISOString(),
    sub: text(event.sub),
    actor: text(origin.actor),
    event: event.event,
    type: methodOf(event) ?? null,
    ...idsOf(event),
    outcome: OUTCOME_OF[event.event],
    ip: text(origin.ip),
    user_agent: text(origin.userAgent, MAX_USER_AGENT),
    request_id: text(origin.requestId),
    details: detailsOf(event),
  };
}

import { methodOf, type RecordedEvent, type SecurityEvent } from '../security-events/index.ts';

/** The event types an endpoint may subscribe to (DESIGN §17); `*` subscribes to all. */
export const WEBHOOK_EVENT_TYPES = [
  'enrollment.initiated',
  'enrollment.scanned',
  'enrollment.enrolled',
  'enrollment.expired',
  'enrollment.cancelled',
  'enrollment.failed',
  'authentication.succeeded',
  'authentication.failed',
  'authentication.denied',
  'factor.added',
  'factor.removed',
  'backupcodes.regenerated',
  'backupcodes.used',
  'backupcodes.low',
  'lockout.started',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes an endpoint to every type, including types added later. */
export const ALL_EVENTS = '*';

type Extra = { [key: string]: string | number };

/** `data` of a webhook: whose account, which method and authenticator, and what the event adds. */
export interface WebhookData extends Extra {
  tenant: string;
  sub: string;
  type: string;
}

/** The JSON body POSTed to an endpoint. Never a secret, code, token or exchange id. */
export interface WebhookMessage {
  type: WebhookEventType;
  /** When the event happened, ISO 8601. */
  timestamp: string;
  data: WebhookData;
}

/** What each security event is called on the wire, with its own facts; undefined: not a webhook. */
function describe(e: SecurityEvent): { type: WebhookEventType; extra: Extra } | undefined {
  switch (e.event) {
    case 'authentication.succeeded':
      return { type: 'authentication.succeeded', extra: { ph_id: e.phId } };
    case 'authentication.wrong_code':
      return { type: 'authentication.failed', extra: { reason: 'wrong_code', failures: e.failures } };
    case 'authentication.replay':
      return { type: 'authentication.failed', extra: { reason: 'replay', ph_id: e.phId } };
    case 'authentication.clone_warning':
      return { type: 'authentication.failed', extra: { reason: 'clone_warning', ph_id: e.phId } };
    case 'authentication.invalid_response':
      return { type: 'authentication.failed', extra: { reason: 'invalid_response', code: e.code, status_id: e.statusId } };
    case 'authentication.throttled':
      return { type: 'authentication.denied', extra: { reason: 'throttled', retry_after: e.retryAfterS } };
    case 'authentication.denied':
      return { type: 'authentication.denied', extra: { reason: e.reason, ...(e.phId ? { ph_id: e.phId } : {}), ...(e.statusId ? { status_id: e.statusId } : {}) } };
    case 'lockout.started':
      return { type: 'lockout.started', extra: { failures: e.failures, locked_until: e.lockedUntil.toISOString() } };
    case 'enrollment.initiated':
    case 'enrollment.scanned':
    case 'enrollment.expired':
    case 'enrollment.cancelled':
      return { type: e.event, extra: { status_id: e.statusId } };
    case 'enrollment.enrolled':
      return { type: 'enrollment.enrolled', extra: { status_id: e.statusId, ph_id: e.phId } };
    case 'enrollment.failed':
      return { type: 'enrollment.failed', extra: { status_id: e.statusId, attempts: e.attempts } };
    case 'factor.added':
      return { type: 'factor.added', extra: { ph_id: e.phId, ...(e.statusId ? { status_id: e.statusId } : {}), via: e.via } };
    case 'factor.removed':
      return { type: 'factor.removed', extra: { ph_id: e.phId, removed_by: e.actor.kind } };
    case 'backupcodes.regenerated':
      return { type: 'backupcodes.regenerated', extra: { ph_id: e.phId, count: e.count } };
    case 'backupcodes.used':
    case 'backupcodes.low':
      return { type: e.event, extra: { ph_id: e.phId, remaining: e.remaining } };
    // Audit-only: they concern the service's own bookkeeping or an admin, not a user's factors;
    // a challenge's outcome reaches integrators as the attempt that caused it (authentication.*).
    case 'enrollment.wrong_code':
    case 'enrollment.invalid_response':
    case 'enrollment.rotated':
    case 'challenge.initiated':
    case 'challenge.authenticated':
    case 'challenge.denied':
    case 'challenge.expired':
    case 'challenge.cancelled':
    case 'challenge.failed':
    case 'stepup.refused':
    case 'settings.changed':
      return undefined;
  }
}

/**
 * The webhook a recorded event becomes, or undefined for events integrators are not told about.
 * Security events map onto the public names: a wrong code or a replay is
 * `authentication.failed`, a sign-in refused while locked is `authentication.denied`.
 *
 * @example
 * ```ts
 * toWebhookMessage({ event: { event: 'authentication.wrong_code', tenantId: 'acme', sub: 'alice', type: 'TOTP', failures: 1 }, at, origin: {} });
 * // { type: 'authentication.failed', timestamp, data: { tenant: 'acme', sub: 'alice', type: 'TOTP', reason: 'wrong_code', failures: 1 } }
 * ```
 */
export function toWebhookMessage({ event, at }: RecordedEvent): WebhookMessage | undefined {
  const described = describe(event);
  if (!described) return undefined;
  return {
    type: described.type,
    timestamp: at.toISOString(),
    data: { tenant: event.tenantId, sub: event.sub, type: methodOf(event)!, ...described.extra },
  };
}

/** Whether an endpoint subscribed to `events` wants `type`. */
export function subscribes(events: readonly string[], type: WebhookEventType): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

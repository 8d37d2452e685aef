import { VerificationError } from '../errors/verification-error.ts';

/**
 * Every status an exchange can have, enrollments and sign-in challenges alike (each kind's
 * state machine uses its own subset, see shared/exchanges/state-machine.ts): the one
 * vocabulary of the status document, the WebSocket and the status cache.
 */
export const EXCHANGE_STATUSES = ['INITIATED', 'SCANNED', 'ENROLLED', 'AUTHENTICATED', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED'] as const;
export type ExchangeStatus = (typeof EXCHANGE_STATUSES)[number];

/** The statuses of an exchange still in progress; every other status is terminal and never changes. */
export const LIVE_STATUSES = ['INITIATED', 'SCANNED'] as const satisfies readonly ExchangeStatus[];
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** Whether an exchange in `status` is still in progress. */
export function isLiveStatus(status: ExchangeStatus): status is LiveStatus {
  return (LIVE_STATUSES as readonly ExchangeStatus[]).includes(status);
}

/** Whether `status` ends an exchange: it never changes again, and watchers are released. */
export function isTerminalStatus(status: ExchangeStatus): boolean {
  return !isLiveStatus(status);
}

/**
 * The expiry rule: a live exchange whose lifetime ended by `now` has lapsed and is EXPIRED,
 * whether or not anyone stored that yet. Readers and the hub decide with this; the repository
 * states the same rule in SQL (shared/exchanges/exchange-repository.ts, `LAPSED`/`RUNNING`).
 */
export function hasLapsed(status: ExchangeStatus, expiresAt: Date | string, now: Date): boolean {
  return isLiveStatus(status) && new Date(expiresAt).getTime() <= now.getTime();
}

/** What anyone holding a status id sees: the seed's shape plus timing. */
export interface StatusDocument {
  status: ExchangeStatus;
  id: string;
  sub: string;
  type: string;
  ph_id?: string;
  device_id?: string;
  /** While a live exchange waits for a message (SMS/EMAIL codes): where it is, to a masked destination. */
  delivery?: { state: 'queued' | 'sent' | 'failed'; to: string };
  expires_at: string;
  updated_at: string;
}

/** A status document with the version that orders it among its predecessors. */
export interface VersionedStatus {
  document: StatusDocument;
  version: number;
}

/** Strong ETag of one version of one status. */
export function statusEtag(status: VersionedStatus): string {
  return `"${status.document.id}.${status.version}"`;
}

/** What a read of a status id no exchange has throws (the status service's 404). */
export function statusNotFound(): VerificationError {
  return new VerificationError('ENROLLMENT_NOT_FOUND', 'no enrollment has this status id');
}

/** Whether `err` is the refusal of an unknown status id. */
export function isStatusNotFound(err: unknown): boolean {
  return err instanceof VerificationError && err.name === 'ENROLLMENT_NOT_FOUND';
}

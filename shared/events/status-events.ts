import type { Queryable } from '../db/database.ts';
import type { VersionedStatus } from '../status/status-document.ts';

export const STATUS_CHANNEL = 'verification_status';

/**
 * Announces a status change. Called inside the transaction that made the change, so the
 * NOTIFY is delivered on commit and never for a change that was rolled back.
 */
export async function publishStatus(tx: Queryable, status: VersionedStatus): Promise<void> {
  const { channel, payload } = statusNotification(status);
  await tx.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** The NOTIFY that announces `status`, for a statement that sends it along with the change itself. */
export function statusNotification(status: VersionedStatus): { channel: string; payload: string } {
  return { channel: STATUS_CHANNEL, payload: JSON.stringify(status) };
}

/** Parses a notification payload; anything malformed is ignored rather than trusted. */
export function parseStatusEvent(payload: string): VersionedStatus | undefined {
  try {
    const value = JSON.parse(payload) as Partial<VersionedStatus>;
    if (typeof value.version !== 'number' || typeof value.document?.id !== 'string') return undefined;
    return value as VersionedStatus;
  } catch {
    return undefined;
  }
}

import type { Queryable } from '../db/database.ts';
import { publishStatus } from '../events/status-events.ts';
import { setDeliveryState } from './exchange-repository.ts';
import { toVersionedStatus } from './status-document.ts';

/**
 * Records, in the transaction that finished the message, that it was sent or given up, on the
 * live exchange waiting for it, and announces the new version (NOTIFY in the same transaction).
 */
export async function announceDelivery(tx: Queryable, messageId: string, state: 'sent' | 'failed', now: Date): Promise<void> {
  const updated = await setDeliveryState(tx, messageId, state, now);
  if (updated) await publishStatus(tx, toVersionedStatus(updated));
}

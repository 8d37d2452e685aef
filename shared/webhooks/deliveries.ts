import { VerificationError } from '../errors/verification-error.ts';
import type { OutboxEntryView } from '../outbox/outbox-entry.ts';
import { readOutboxRow } from '../outbox/outbox-repository.ts';
import { findEndpoint } from './endpoint-repository.ts';
import { WEBHOOK_QUEUE, type WebhookContext } from './webhook-context.ts';
import { messageOf } from './webhook-delivery.ts';
import type { WebhookMessage } from './webhook-events.ts';

/** Where a delivery is: waiting (first try or a retry), being sent, delivered, or given up. */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

const STATUS: Record<OutboxEntryView['status'], DeliveryStatus> = { pending: 'pending', in_flight: 'sending', delivered: 'delivered', failed: 'failed' };

/** One event's delivery to one endpoint; its `id` is the `webhook-id` the receiver saw. */
export interface DeliveryView {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due, while pending. */
  next_attempt_at: string | null;
  last_http_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** The body as sent. */
  payload: WebhookMessage | null;
}

function toDeliveryView(row: OutboxEntryView): DeliveryView {
  const payload = messageOf(row.payload) ?? null;
  return {
    id: row.id,
    event: payload?.type ?? String(row.metadata.event ?? ''),
    status: STATUS[row.status],
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    last_http_status: row.lastHttpStatus,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
    payload,
  };
}

const cursorOf = (seq: number) => Buffer.from(`d${seq}`).toString('base64url');

function seqOf(cursor: string): number {
  const match = /^d([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new VerificationError('INVALID_REQUEST', 'cursor: not a cursor of this listing (use next_cursor as it was returned)');
  return Number(match[1]);
}

/**
 * An endpoint's deliveries, newest first, paged.
 *
 * @throws VerificationError WEBHOOK_NOT_FOUND (another tenant's endpoint looks the same), INVALID_REQUEST for a foreign cursor
 */
export async function listDeliveries(
  c: WebhookContext,
  tenantId: string,
  endpointId: string,
  page: { limit: number; cursor?: string },
): Promise<{ items: DeliveryView[]; next_cursor?: string }> {
  const beforeSeq = page.cursor === undefined ? undefined : seqOf(page.cursor);
  if (!(await findEndpoint(c.db, tenantId, endpointId))) throw new VerificationError('WEBHOOK_NOT_FOUND');
  const rows = await c.outbox.listByKey({ queue: WEBHOOK_QUEUE, orderingKey: endpointId, tenantId, beforeSeq, limit: page.limit + 1 });
  const items = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  return { items: items.map(toDeliveryView), ...(more ? { next_cursor: cursorOf(items.at(-1)!.seq) } : {}) };
}

/**
 * Sends a delivery again now, with the same `webhook-id`: a delivered or given-up one is
 * queued anew (its attempt count goes on), a waiting one is brought forward. Per endpoint,
 * events still go out in order: a re-sent older event goes before newer ones still waiting.
 *
 * @throws VerificationError WEBHOOK_NOT_FOUND, DELIVERY_NOT_FOUND, DELIVERY_NOT_RETRYABLE (being sent, or the endpoint is disabled)
 */
export function retryDelivery(c: WebhookContext, tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryView> {
  return c.db.transaction(async (tx) => {
    const endpoint = await findEndpoint(tx, tenantId, endpointId, true);
    if (!endpoint) throw new VerificationError('WEBHOOK_NOT_FOUND');
    if (endpoint.status !== 'enabled') throw new VerificationError('DELIVERY_NOT_RETRYABLE', 'the endpoint is disabled (its receiver answered 410 Gone); create a new endpoint');
    if (!(await c.outbox.requeue(tx, { id: deliveryId, queue: WEBHOOK_QUEUE, orderingKey: endpointId, tenantId }))) {
      const row = await readOutboxRow(tx, deliveryId, tenantId);
      if (!row || row.queue !== WEBHOOK_QUEUE || row.orderingKey !== endpointId) throw new VerificationError('DELIVERY_NOT_FOUND');
      throw new VerificationError('DELIVERY_NOT_RETRYABLE', 'the delivery is being sent right now');
    }
    return toDeliveryView((await readOutboxRow(tx, deliveryId, tenantId))!);
  });
}

import type { MessageDeliveryStatus } from '../../shared/delivery/message-delivery.ts';
import type { MessageRequest } from '../../shared/delivery/message.ts';
import { eventually } from './http-receiver.ts';
import type { TestServer } from './test-server.ts';

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** Environment for a server whose outbox reacts fast and whose retries take milliseconds. */
export const FAST_DELIVERY_ENV = { OUTBOX_POLL_INTERVAL_MS: '50', DELIVERY_RETRY_SCALE: '0.001' };

/** Queues a code through the server's own delivery, in a transaction of its own. */
export function queueCode(server: TestServer, request: Partial<MessageRequest> = {}): Promise<{ messageId: string }> {
  const full: MessageRequest = {
    channel: 'sms',
    to: '+4915123456789',
    tenant: { id: 'acme', name: 'Acme' },
    code: '482913',
    lifetimeSeconds: 600,
    purpose: 'sign-in',
    ...request,
  };
  return server.deps.db.transaction((tx) => server.deps.delivery.queueMessage(tx, full));
}

/** Waits until the message is sent or given up, and returns its delivery status. */
export function settledDelivery(server: TestServer, messageId: string, tenantId = 'acme'): Promise<MessageDeliveryStatus> {
  return eventually(async () => {
    const status = await server.deps.delivery.deliveryStatus(messageId, tenantId);
    return status && (status.state === 'sent' || status.state === 'failed') ? status : undefined;
  }, `message ${messageId} to be sent or given up`);
}

/**
 * Waits until no outbox message is in flight. A test that moves the clock by more than the
 * outbox lease while a send is between "received" and "recorded" would make the send look
 * abandoned and see it again (at-least-once delivery, correct but not what the test counts).
 */
export async function outboxAtRest(server: TestServer): Promise<void> {
  await eventually(async () => {
    const { rows } = await server.deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE status = 'in_flight'");
    return rows[0]!.n === 0 ? true : undefined;
  }, 'the outbox to have nothing in flight');
}

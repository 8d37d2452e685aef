import type { Queryable } from '../../db/database.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import type { AddressPolicy } from '../../outbound/address-guard.ts';
import { postSignedJson } from '../../outbound/outbound-request.ts';
import type { AttemptResult, OutboxDelivery } from '../../outbox/outbox-entry.ts';
import type { Outbox } from '../../outbox/outbox.ts';

/** The outbox queue of push-gateway requests. */
const PUSH_QUEUE = 'push';
/**
 * A challenge lives 2 minutes by default (10 at most): a wake-up later than that is pointless.
 * 1 s, 3 s, 10 s, 30 s, 60 s.
 */
const PUSH_RETRY_SCHEDULE: readonly number[] = [1_000, 3_000, 10_000, 30_000, 60_000];

export interface PushGatewayConfig {
  url: string;
  secrets: readonly string[];
  policy: AddressPolicy;
}

/**
 * What the push gateway receives to wake one device: whom to notify (`push_id`, the token the
 * app registered) and what to show. Never the number and never the exchange id: the device
 * fetches the challenge itself, authenticated (GET /verification-srv/v2/devices/challenges).
 */
interface PushGatewayMessage {
  type: 'push.challenge';
  push_id: string;
  ph_id: string;
  message: string;
  expires_at: string;
}

/**
 * Registers the push-gateway queue: each row is one signed POST (Standard Webhooks, DESIGN §13)
 * to PUSH_WEBHOOK_URL, retried briefly; given up when the challenge has ended anyway.
 */
export function registerPushGateway(outbox: Outbox, config: PushGatewayConfig): void {
  outbox.register(PUSH_QUEUE, {
    retrySchedule: PUSH_RETRY_SCHEDULE,
    async handle(delivery: OutboxDelivery): Promise<AttemptResult> {
      const outcome = await postSignedJson({ url: config.url, id: delivery.id, payload: delivery.payload, secrets: config.secrets, signal: delivery.signal }, config.policy);
      if (outcome.kind === 'error') return { outcome: 'retry', error: `${outcome.error}: ${outcome.message}` };
      if (outcome.status >= 200 && outcome.status < 300) return { outcome: 'delivered', httpStatus: outcome.status };
      return { outcome: 'retry', error: `HTTP ${outcome.status}`, httpStatus: outcome.status };
    },
  });
}

/**
 * Queues one gateway request per device of the user that registered a push id, in the
 * transaction that creates the challenge (sent once it commits; given up when it expires).
 */
export async function queueWakeUps(
  tx: Queryable,
  outbox: Outbox,
  challenge: { tenantId: string; expiresAt: Date; message: string },
  devices: Authenticator[],
): Promise<void> {
  for (const device of devices) {
    if (!device.pushId) continue;
    const payload: PushGatewayMessage = {
      type: 'push.challenge',
      push_id: device.pushId,
      ph_id: device.phId,
      message: challenge.message,
      expires_at: challenge.expiresAt.toISOString(),
    };
    await outbox.enqueue(tx, { queue: PUSH_QUEUE, payload: { ...payload }, tenantId: challenge.tenantId, deadline: challenge.expiresAt });
  }
}

import type { IncomingHttpHeaders } from 'node:http';
import type { Queryable } from '../db/database.ts';
import { postSignedJson, type OutboundOutcome } from '../outbound/outbound-request.ts';
import { openSecret } from '../otp/secret-box.ts';
import type { AttemptResult, FinishedRow, OutboxDelivery } from '../outbox/outbox-entry.ts';
import type { RecordedEvent, SecurityEventSink } from '../security-events/index.ts';
import { announceEndpointChange } from './endpoint-events.ts';
import { disableEndpoint, findEndpointById, type StoredEndpoint } from './endpoint-repository.ts';
import type { SubscribedEndpoints } from './subscribed-endpoints.ts';
import { WEBHOOK_QUEUE, secretBinding, type WebhookContext } from './webhook-context.ts';
import { toWebhookMessage, type WebhookMessage } from './webhook-events.ts';

/** What a webhook row holds: the exact body, serialised once so every attempt sends the same bytes. */
interface WebhookPayload {
  body: string;
}

const MAX_ERROR_EXCERPT = 200;
const GONE = 410;

/**
 * The webhook outbox as a security-event sink: one row per event and subscribed, enabled
 * endpoint, in `tx`, the transaction of the change, keyed by the endpoint so each endpoint
 * receives its events one at a time in the order they were written. Which endpoints those
 * are comes from `endpoints` (cached per process, exact for changes committed before the event).
 */
export function webhookSink(c: Pick<WebhookContext, 'outbox'>, subscribed: SubscribedEndpoints): SecurityEventSink {
  return {
    async write(tx: Queryable, recorded: readonly RecordedEvent[]) {
      for (const one of recorded) await enqueueFor(c, subscribed, tx, one);
    },
  };
}

async function enqueueFor(c: Pick<WebhookContext, 'outbox'>, subscribed: SubscribedEndpoints, tx: Queryable, recorded: RecordedEvent): Promise<void> {
  const message = toWebhookMessage(recorded);
  if (!message) return;
  const endpoints = await subscribed.ids(tx, message.data.tenant, message.type);
  if (endpoints.length === 0) return;
  const body = JSON.stringify(message);
  for (const endpointId of endpoints) {
    await c.outbox.enqueue(tx, {
      queue: WEBHOOK_QUEUE,
      payload: { body } satisfies WebhookPayload,
      orderingKey: endpointId,
      tenantId: message.data.tenant,
      metadata: { event: message.type },
    });
  }
}

/** The body a delivery row carries, or undefined when the row is not a webhook's. */
export function messageOf(payload: unknown): WebhookMessage | undefined {
  const body = (payload as Partial<WebhookPayload> | null)?.body;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as WebhookMessage;
  } catch {
    return undefined;
  }
}

/** The endpoint's signing secrets: the current one, and the one a rotation replaced while it still signs. */
function signingSecrets(c: WebhookContext, endpoint: StoredEndpoint, now: Date): string[] {
  const binding = secretBinding(endpoint.id);
  const secrets = [openSecret(c.keyring, endpoint.secret, binding)];
  if (endpoint.previous && endpoint.previous.expiresAt > now) secrets.push(openSecret(c.keyring, endpoint.previous.secret, binding));
  return secrets;
}

/** Retry-After in milliseconds, when the receiver sent one in seconds. */
function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const value = Number(headers['retry-after']);
  return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
}

/** DESIGN §17: 2xx delivered, 410 Gone disables the endpoint, anything else is tried again. */
function resultOf(outcome: OutboundOutcome): AttemptResult {
  if (outcome.kind === 'error') return { outcome: 'retry', error: `${outcome.error}: ${outcome.message}` };
  const { status } = outcome;
  if (status >= 200 && status < 300) return { outcome: 'delivered', httpStatus: status };
  const error = `HTTP ${status}${outcome.excerpt ? `: ${outcome.excerpt.slice(0, MAX_ERROR_EXCERPT)}` : ''}`;
  if (status === GONE) return { outcome: 'failed', error: `${error} (the endpoint is disabled)`, httpStatus: status };
  return { outcome: 'retry', error, httpStatus: status, retryAfterMs: retryAfterMs(outcome.headers) };
}

/**
 * Sends one delivery: looks the endpoint up now (a disabled or deleted one gets nothing),
 * signs the stored body per Standard Webhooks with its secrets and the row id as `webhook-id`
 * (the same on every retry), and POSTs it through the address guard with the 15 s timeout.
 */
export async function deliverWebhook(c: WebhookContext, delivery: OutboxDelivery): Promise<AttemptResult> {
  const message = messageOf(delivery.payload);
  if (!message || !delivery.orderingKey) return { outcome: 'failed', error: 'the row is not a webhook delivery' };
  const endpoint = await findEndpointById(c.db, delivery.orderingKey);
  if (!endpoint || endpoint.tenantId !== delivery.tenantId) return { outcome: 'failed', error: 'the endpoint was deleted' };
  if (endpoint.status !== 'enabled') return { outcome: 'failed', error: 'the endpoint is disabled' };
  let secrets: string[];
  try {
    secrets = signingSecrets(c, endpoint, c.clock());
  } catch {
    return { outcome: 'failed', error: "the endpoint's signing secret cannot be opened with the current keyring" };
  }
  const outcome = await postSignedJson({ url: endpoint.url, id: delivery.id, payload: message, secrets, signal: delivery.signal }, c.policy);
  return resultOf(outcome);
}

/**
 * Runs in the transaction that finishes a delivery: a 410 Gone disables the endpoint, and its
 * deliveries still waiting are given up with it.
 */
export async function onWebhookFinished(c: WebhookContext, tx: Queryable, row: FinishedRow): Promise<void> {
  if (row.result.httpStatus !== GONE || !row.orderingKey) return;
  if (!(await disableEndpoint(tx, row.orderingKey, 'the receiver answered 410 Gone', c.clock()))) return;
  if (row.tenantId) await announceEndpointChange(tx, row.tenantId);
  const given = await c.outbox.failOpen(tx, WEBHOOK_QUEUE, row.orderingKey, 'the endpoint was disabled (410 Gone)');
  c.log.warn({ endpoint_id: row.orderingKey, tenant: row.tenantId, pending_given_up: given }, 'webhook endpoint disabled: the receiver answered 410 Gone');
}

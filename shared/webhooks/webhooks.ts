import { WEBHOOK_RETRY_SCHEDULE } from '../outbox/retry-schedule.ts';
import type { SecurityEventSink } from '../security-events/index.ts';
import { listDeliveries, retryDelivery, type DeliveryView } from './deliveries.ts';
import {
  createEndpoint,
  getEndpoint,
  listTenantEndpoints,
  removeEndpoint,
  rotateEndpointSecret,
  type EndpointView,
  type NewEndpointRequest,
} from './endpoints.ts';
import { WEBHOOK_QUEUE, type WebhookContext } from './webhook-context.ts';
import { deliverWebhook, onWebhookFinished, webhookSink } from './webhook-delivery.ts';
import { SubscribedEndpoints } from './subscribed-endpoints.ts';

/**
 * Tenant webhooks (DESIGN §17): endpoints admins manage, a security-event sink that writes one
 * outbox row per event and subscribed endpoint in the transaction of the change, and the
 * outbox queue that delivers them signed, retried on the §17 schedule (times `retryScale`),
 * in order per endpoint, disabling an endpoint that answers 410 Gone.
 */
export class Webhooks {
  readonly #c: WebhookContext;
  readonly sink: SecurityEventSink;
  readonly #subscribed: SubscribedEndpoints;

  constructor(context: WebhookContext, options: { retryScale: number }) {
    this.#c = context;
    this.#subscribed = new SubscribedEndpoints(context.db);
    this.sink = webhookSink(context, this.#subscribed);
    context.outbox.register(WEBHOOK_QUEUE, {
      handle: (delivery) => deliverWebhook(context, delivery),
      retrySchedule: WEBHOOK_RETRY_SCHEDULE,
      retryScale: options.retryScale,
      onFinished: (tx, row) => onWebhookFinished(context, tx, row),
    });
  }

  /** Starts caching which endpoints hear what (until then the sink reads them per event). */
  start(): Promise<void> {
    return this.#subscribed.start();
  }

  stop(): Promise<void> {
    return this.#subscribed.stop();
  }

  /** See createEndpoint. */
  create(request: NewEndpointRequest): Promise<EndpointView & { secret: string }> {
    return createEndpoint(this.#c, request);
  }

  list(tenantId: string): Promise<EndpointView[]> {
    return listTenantEndpoints(this.#c, tenantId);
  }

  get(tenantId: string, id: string): Promise<EndpointView> {
    return getEndpoint(this.#c, tenantId, id);
  }

  remove(tenantId: string, id: string): Promise<void> {
    return removeEndpoint(this.#c, tenantId, id);
  }

  rotateSecret(tenantId: string, id: string): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
    return rotateEndpointSecret(this.#c, tenantId, id);
  }

  deliveries(tenantId: string, id: string, page: { limit: number; cursor?: string }): Promise<{ items: DeliveryView[]; next_cursor?: string }> {
    return listDeliveries(this.#c, tenantId, id, page);
  }

  retry(tenantId: string, id: string, deliveryId: string): Promise<DeliveryView> {
    return retryDelivery(this.#c, tenantId, id, deliveryId);
  }
}

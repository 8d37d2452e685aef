import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { DeliveryView } from '../../shared/webhooks/deliveries.ts';
import type { EndpointView } from '../../shared/webhooks/endpoints.ts';
import type { WebhookMessage } from '../../shared/webhooks/webhook-events.ts';
import { request } from './http.ts';
import type { ReceivedRequest } from './http-receiver.ts';
import type { TestServer } from './test-server.ts';

/** Settings that let retries and polls happen within a test: the §17 schedule shrunk 100 000 times. */
export const FAST_WEBHOOKS = { WEBHOOK_RETRY_SCALE: '0.00001', OUTBOX_POLL_INTERVAL_MS: '50' };

/** The webhook admin endpoints as a tenant admin's tool calls them. */
export function webhookClient(server: { url: string }) {
  const base = `${server.url}/verification-srv/webhooks`;
  return {
    create: (token: string, body: unknown) => request<EndpointView & { secret: string }>(base, { method: 'POST', token, body }),
    list: (token: string) => request<EndpointView[]>(base, { token }),
    get: (token: string, id: string) => request<EndpointView>(`${base}/${id}`, { token }),
    remove: (token: string, id: string) => request(`${base}/${id}`, { method: 'DELETE', token }),
    rotate: (token: string, id: string) =>
      request<{ id: string; secret: string; previous_secret_expires_at: string }>(`${base}/${id}/rotate-secret`, { method: 'POST', token }),
    deliveries: (token: string, id: string, query = '') =>
      request<{ items: DeliveryView[]; next_cursor?: string }>(`${base}/${id}/deliveries${query ? `?${query}` : ''}`, { token }),
    retry: (token: string, id: string, deliveryId: string) => request<DeliveryView>(`${base}/${id}/deliveries/${deliveryId}/retry`, { method: 'POST', token }),
  };
}

/** Checks a received request's signature with `secret` as a receiver would (standardwebhooks), returning the body. */
export function verifiedBody(secret: string, req: ReceivedRequest): WebhookMessage {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  return new Webhook(secret).verify(req.rawBody, headers) as WebhookMessage;
}

/** Whether `secret` verifies the request. */
export function verifies(secret: string, req: ReceivedRequest): boolean {
  try {
    verifiedBody(secret, req);
    return true;
  } catch {
    return false;
  }
}

export const webhookIdOf = (req: ReceivedRequest) => String(req.headers['webhook-id']);

/**
 * Records an `authentication.succeeded` of `sub` in `tenant` through the server's own recorder
 * (for tests about delivery rather than about what causes events).
 */
export function recordSignIn(server: TestServer, tenant: string, sub = 'alice'): Promise<void> {
  return server.deps.db.transaction((tx) =>
    server.deps.securityEvents.record(tx, { event: 'authentication.succeeded', tenantId: tenant, sub, type: 'TOTP', phId: randomUUID() }),
  );
}

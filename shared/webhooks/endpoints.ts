import { announceEndpointChange } from './endpoint-events.ts';
import { randomUUID } from 'node:crypto';
import { VerificationError } from '../errors/verification-error.ts';
import { generateWebhookSecret } from '../outbound/webhook-secret.ts';
import { sealSecret } from '../otp/secret-box.ts';
import {
  countEndpoints,
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  lockTenantEndpoints,
  replaceSecret,
  type StoredEndpoint,
} from './endpoint-repository.ts';
import { MAX_ENDPOINTS_PER_TENANT, ROTATION_OVERLAP_MS, WEBHOOK_QUEUE, secretBinding, type WebhookContext } from './webhook-context.ts';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from './webhook-events.ts';
import { requireWebhookUrl } from './webhook-url.ts';

/** An endpoint as admins see it (never its secret). */
export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'enabled' | 'disabled';
  /** Why it was disabled (a 410 Gone from the receiver). */
  disabled_reason: string | null;
  disabled_at: string | null;
  /** Until when the secret a rotation replaced still signs, next to the current one. */
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export function toEndpointView(e: StoredEndpoint, now: Date): EndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    status: e.status,
    disabled_reason: e.disabledReason,
    disabled_at: e.disabledAt?.toISOString() ?? null,
    previous_secret_expires_at: e.previous && e.previous.expiresAt > now ? e.previous.expiresAt.toISOString() : null,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/** `["*"]` alone when it is asked for, else the named types once each, in the catalogue's order. */
function normaliseEvents(events: readonly string[]): string[] {
  if (events.includes(ALL_EVENTS)) return [ALL_EVENTS];
  return WEBHOOK_EVENT_TYPES.filter((type) => events.includes(type));
}

export interface NewEndpointRequest {
  tenantId: string;
  url: string;
  events: readonly string[];
  description?: string;
}

/**
 * Creates an endpoint with a fresh `whsec_` secret, returned here once and stored only sealed.
 * At most MAX_ENDPOINTS_PER_TENANT per tenant, however many creations race.
 *
 * @throws VerificationError WEBHOOK_URL_NOT_ALLOWED, WEBHOOK_LIMIT_REACHED
 */
export function createEndpoint(c: WebhookContext, req: NewEndpointRequest): Promise<EndpointView & { secret: string }> {
  const url = requireWebhookUrl(req.url, c.policy);
  const events = normaliseEvents(req.events);
  return c.db.transaction(async (tx) => {
    await lockTenantEndpoints(tx, req.tenantId);
    if ((await countEndpoints(tx, req.tenantId)) >= MAX_ENDPOINTS_PER_TENANT) {
      throw new VerificationError('WEBHOOK_LIMIT_REACHED', `a tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first`);
    }
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const now = c.clock();
    const stored = await insertEndpoint(tx, {
      id,
      tenantId: req.tenantId,
      url,
      description: req.description ?? null,
      events,
      secret: sealSecret(c.keyring, secret, secretBinding(id)),
      now,
    });
    await announceEndpointChange(tx, req.tenantId);
    return { ...toEndpointView(stored, now), secret };
  });
}

/** @throws VerificationError WEBHOOK_NOT_FOUND (another tenant's endpoint looks the same) */
export async function getEndpoint(c: WebhookContext, tenantId: string, id: string): Promise<EndpointView> {
  const endpoint = await findEndpoint(c.db, tenantId, id);
  if (!endpoint) throw new VerificationError('WEBHOOK_NOT_FOUND');
  return toEndpointView(endpoint, c.clock());
}

/** The tenant's endpoints, oldest first. */
export async function listTenantEndpoints(c: WebhookContext, tenantId: string): Promise<EndpointView[]> {
  const now = c.clock();
  return (await listEndpoints(c.db, tenantId)).map((e) => toEndpointView(e, now));
}

/**
 * Deletes an endpoint; its deliveries still waiting are given up in the same transaction (one
 * being sent at that moment finishes).
 *
 * @throws VerificationError WEBHOOK_NOT_FOUND
 */
export function removeEndpoint(c: WebhookContext, tenantId: string, id: string): Promise<void> {
  return c.db.transaction(async (tx) => {
    if (!(await deleteEndpoint(tx, tenantId, id))) throw new VerificationError('WEBHOOK_NOT_FOUND');
    await announceEndpointChange(tx, tenantId);
    await c.outbox.failOpen(tx, WEBHOOK_QUEUE, id, 'the endpoint was deleted');
  });
}

/**
 * Gives an endpoint a new secret, returned here once. The secret it replaces keeps signing
 * next to it for ROTATION_OVERLAP_MS, so receivers can switch without missing an event; a
 * second rotation within that time drops the oldest.
 *
 * @throws VerificationError WEBHOOK_NOT_FOUND
 */
export function rotateEndpointSecret(c: WebhookContext, tenantId: string, id: string): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
  return c.db.transaction(async (tx) => {
    const endpoint = await findEndpoint(tx, tenantId, id, true);
    if (!endpoint) throw new VerificationError('WEBHOOK_NOT_FOUND');
    const secret = generateWebhookSecret();
    const now = c.clock();
    const previousExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
    await replaceSecret(tx, id, { secret: sealSecret(c.keyring, secret, secretBinding(id)), previous: endpoint.secret, previousExpiresAt, now });
    return { id, secret, previous_secret_expires_at: previousExpiresAt.toISOString() };
  });
}

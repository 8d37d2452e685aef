import type { Queryable } from '../db/database.ts';

/** Where a change of a tenant's webhook endpoints is announced; the payload is the tenant id. */
export const WEBHOOK_ENDPOINTS_CHANNEL = 'verification_webhook_endpoints';

/**
 * Announces, when the caller's transaction commits, that the set of `tenantId`'s enabled
 * endpoints (or what they subscribe to) changed: every instance drops what it cached of it
 * (SubscribedEndpoints).
 */
export async function announceEndpointChange(q: Queryable, tenantId: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [WEBHOOK_ENDPOINTS_CHANNEL, tenantId]);
}

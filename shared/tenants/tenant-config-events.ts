import type { Queryable } from '../db/database.ts';

/** Where a change of a tenant's method configuration is announced; the payload is the tenant id. */
export const TENANT_CONFIG_CHANNEL = 'verification_tenant_config';

/**
 * Announces, when the caller's transaction commits, that `tenantId`'s configuration changed:
 * every instance drops what it cached of that tenant (TenantConfigCache).
 */
export async function announceTenantConfigChange(q: Queryable, tenantId: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [TENANT_CONFIG_CHANNEL, tenantId]);
}

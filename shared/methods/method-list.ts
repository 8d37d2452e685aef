import type { Queryable } from '../db/database.ts';
import { findTenantActivity } from '../tenants/method-config-repository.ts';
import { METHODS, VERIFICATION_TYPES, type ImplementedType } from './registry.ts';

export interface MethodSummary {
  verificationType: ImplementedType;
  active: boolean;
}

/**
 * Every method this service implements with whether the tenant has it active (the seed's
 * shape): one query of the tenant's `active` flags, no settings parsed.
 */
export async function listMethods(q: Queryable, tenantId: string): Promise<MethodSummary[]> {
  const active = await findTenantActivity(q, tenantId);
  return VERIFICATION_TYPES.map((type) => ({ verificationType: type, active: active.get(type) ?? METHODS[type].settings.activeByDefault }));
}

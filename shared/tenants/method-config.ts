import type { Database, Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import { ensureTenantMethod, findTenantMethod, findTenantMethods, saveTenantMethod } from './method-config-repository.ts';
import { VERIFICATION_TYPES, defaultMethodConfig, type MethodConfig, type SettingsPatch, type VerificationType } from './method-settings.ts';

export interface MethodSummary {
  verificationType: VerificationType;
  active: boolean;
}

/** Every method this service implements with whether the tenant has it active (the seed's shape). */
export async function listMethods(q: Queryable, tenantId: string): Promise<MethodSummary[]> {
  const stored = new Map((await findTenantMethods(q, tenantId)).map((c) => [c.verificationType, c]));
  return VERIFICATION_TYPES.map((type) => {
    const config = stored.get(type) ?? defaultMethodConfig(type);
    return { verificationType: type, active: config.active };
  });
}

/** The tenant's configuration of one method, defaults included. */
export async function getMethodConfig(q: Queryable, tenantId: string, type: VerificationType): Promise<MethodConfig> {
  return (await findTenantMethod(q, tenantId, type)) ?? defaultMethodConfig(type);
}

/**
 * The configuration an operation on `type` runs with.
 *
 * @throws VerificationError METHOD_INACTIVE when the tenant switched the method off.
 */
export async function requireActiveMethod(q: Queryable, tenantId: string, type: VerificationType): Promise<MethodConfig> {
  const config = await getMethodConfig(q, tenantId, type);
  if (!config.active) throw new VerificationError('METHOD_INACTIVE', `${type} is not active for this tenant`);
  return config;
}

export interface MethodChange {
  active?: boolean;
  settings?: SettingsPatch;
}

/** Names of what differs between two configurations (`active`, then settings keys), never values. */
function changedKeys(before: MethodConfig, after: MethodConfig): string[] {
  const settings = Object.keys(after.settings) as (keyof MethodConfig['settings'])[];
  return [...(before.active !== after.active ? ['active'] : []), ...settings.filter((key) => before.settings[key] !== after.settings[key])];
}

/** Who changes a configuration: the admin's `sub`, and where the change is recorded. */
export interface ConfigChanger {
  sub: string;
  events: SecurityEventRecorder;
}

/**
 * Applies a partial change. The row is locked while merging, so two admins changing different
 * settings at once both keep their change. A change that alters anything is recorded as
 * `settings.changed` (the names of what changed) in the same transaction.
 */
export function updateMethodConfig(db: Database, tenantId: string, type: VerificationType, change: MethodChange, by: ConfigChanger): Promise<MethodConfig> {
  return db.transaction(async (tx) => {
    await ensureTenantMethod(tx, tenantId, defaultMethodConfig(type));
    const current = (await findTenantMethod(tx, tenantId, type, true))!;
    const next: MethodConfig = {
      verificationType: type,
      active: change.active ?? current.active,
      settings: { ...current.settings, ...change.settings },
    };
    await saveTenantMethod(tx, tenantId, next);
    const changed = changedKeys(current, next);
    if (changed.length > 0) await by.events.record(tx, { event: 'settings.changed', tenantId, sub: by.sub, type, changed });
    return next;
  });
}

import type { Database } from '../db/database.ts';
import type { MethodModule } from './method-module.ts';

type Update = MethodModule['settings']['update'];

/** A per-process memory of tenants' configuration that must forget a tenant whose configuration changed. */
interface TenantConfigMemory {
  invalidate(tenantId: string): void;
}

interface ConfigChangeDeps {
  db: Database;
  /** What this instance caches of a tenant's configuration (the method list, the stored configurations). */
  caches: readonly TenantConfigMemory[];
}

/**
 * An admin's change of one method's configuration for a tenant (MethodSettings.update: checked,
 * stored, recorded, announced to every instance by a NOTIFY in its transaction), then forgotten
 * by this instance's caches at once: the admin's next read here must not wait for the NOTIFY
 * to come back.
 */
export async function changeMethodConfig(
  deps: ConfigChangeDeps,
  method: MethodModule,
  tenantId: string,
  change: Parameters<Update>[2],
  by: Parameters<Update>[3],
): Promise<Awaited<ReturnType<Update>>> {
  const changed = await method.settings.update(deps.db, tenantId, change, by);
  for (const cache of deps.caches) cache.invalidate(tenantId);
  return changed;
}

import type { Database } from '../db/database.ts';
import { findTenantMethods, type StoredMethodConfig } from './method-config-repository.ts';
import { TenantConfigCache } from './tenant-config-cache.ts';
import type { VerificationType } from './verification-type.ts';

/**
 * Each tenant's stored method configurations (tenant_methods), cached per process like the
 * method list (TenantConfigCache: dropped on the change's NOTIFY, at once on this instance,
 * nothing served while the listener is down). Initiations and verifications read settings here
 * instead of one SELECT per operation; a change is seen by other instances within the NOTIFY's
 * delivery, as the method list is. Changes themselves read and lock the row in their transaction.
 */
export class TenantMethodConfigs {
  readonly #cache: TenantConfigCache<ReadonlyMap<VerificationType, StoredMethodConfig>>;

  constructor(db: Database) {
    this.#cache = new TenantConfigCache(db, async (tenantId) => {
      const rows = await findTenantMethods(db, tenantId);
      return new Map(rows.map((row) => [row.verificationType, row]));
    });
  }

  start(): Promise<void> {
    return this.#cache.start();
  }

  stop(): Promise<void> {
    return this.#cache.stop();
  }

  /** The tenant's stored configuration of `type`; undefined when it never changed it. */
  async find(tenantId: string, type: VerificationType): Promise<StoredMethodConfig | undefined> {
    return (await this.#cache.get(tenantId)).get(type);
  }

  /** This instance committed a change of `tenantId`: forget it now (others hear the NOTIFY). */
  invalidate(tenantId: string): void {
    this.#cache.invalidate(tenantId);
  }
}

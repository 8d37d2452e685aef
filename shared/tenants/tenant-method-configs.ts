import type { Database, Queryable } from '../db/database.ts';
import { findTenantMethods, type StoredMethodConfig } from './method-config-repository.ts';
import { TenantConfigCache } from './tenant-config-cache.ts';
import type { VerificationType } from './verification-type.ts';

type Configs = ReadonlyMap<VerificationType, StoredMethodConfig>;

async function loadConfigs(q: Queryable, tenantId: string): Promise<Configs> {
  const rows = await findTenantMethods(q, tenantId);
  return new Map(rows.map((row) => [row.verificationType, row]));
}

/**
 * Each tenant's stored method configurations (tenant_methods), cached per process like the
 * method list (TenantConfigCache: dropped on the change's NOTIFY, at once on this instance,
 * nothing served while the listener is down). Initiations and verifications read settings here
 * instead of one SELECT per operation; a change is seen by other instances within the NOTIFY's
 * delivery, as the method list is. Changes themselves read and lock the row in their transaction.
 */
export class TenantMethodConfigs {
  readonly #cache: TenantConfigCache<Configs>;

  constructor(db: Database) {
    this.#cache = new TenantConfigCache(db, (tenantId) => loadConfigs(db, tenantId));
  }

  start(): Promise<void> {
    return this.#cache.start();
  }

  stop(): Promise<void> {
    return this.#cache.stop();
  }

  /**
   * The configurations as an operation running in `tx` reads them: a miss is loaded through
   * `tx`, since a transaction holding a pooled connection must not wait for another one (a
   * burst of them would hold the whole pool, each waiting).
   */
  via(tx: Queryable): CachedMethodConfigs {
    return new CachedMethodConfigs(this.#cache, tx);
  }

  /** This instance committed a change of `tenantId`: forget it now (others hear the NOTIFY). */
  invalidate(tenantId: string): void {
    this.#cache.invalidate(tenantId);
  }
}

/** TenantMethodConfigs bound to one transaction (see `via`). */
export class CachedMethodConfigs {
  constructor(
    private readonly cache: TenantConfigCache<Configs>,
    private readonly tx: Queryable,
  ) {}

  /** The tenant's stored configuration of `type`; undefined when it never changed it. */
  async find(tenantId: string, type: VerificationType): Promise<StoredMethodConfig | undefined> {
    return (await this.cache.get(tenantId, (id) => loadConfigs(this.tx, id))).get(type);
  }
}

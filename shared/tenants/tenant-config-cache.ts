import type { Database, Subscription } from '../db/database.ts';
import { TENANT_CONFIG_CHANNEL } from './tenant-config-events.ts';

/**
 * A per-process cache of something derived from one tenant's configuration (the method list, and
 * the stored method configurations behind TenantMethodConfigs), kept per tenant and dropped when
 * any instance announces a change of that tenant (announceTenantConfigChange, a NOTIFY committed
 * with the change). Nothing is served from it while the listening connection is down, and
 * everything is dropped when it comes back, since announcements may have been missed meanwhile; a
 * read that started before an announcement arrived is returned but not kept. Another instance's
 * change is seen once its NOTIFY arrives (milliseconds); this instance's own, at once
 * (`invalidate` after the commit).
 */
export class TenantConfigCache<T> {
  readonly #entries = new Map<string, T>();
  /** Bumped by every invalidation: a load started under an older one may not fill the cache. */
  #generation = 0;
  #subscription: Subscription | undefined;

  constructor(
    private readonly db: Database,
    private readonly load: (tenantId: string) => Promise<T>,
    private readonly maxEntries = 10_000,
  ) {}

  async start(): Promise<void> {
    this.#subscription = await this.db.listen(
      TENANT_CONFIG_CHANNEL,
      (tenantId) => this.invalidate(tenantId),
      () => this.clear(),
    );
  }

  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.clear();
    await subscription?.close();
  }

  /**
   * The value for `tenantId`, from the cache when it is trustworthy, loaded (and kept) otherwise;
   * `load` replaces the loader for this call (e.g. one reading through the caller's
   * transaction, which must not wait for a second pooled connection).
   */
  async get(tenantId: string, load: (tenantId: string) => Promise<T> = this.load): Promise<T> {
    if (!this.#live()) {
      this.clear();
      return load(tenantId);
    }
    const hit = this.#entries.get(tenantId);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const loaded = await load(tenantId);
    if (generation === this.#generation && this.#live()) this.#store(tenantId, loaded);
    return loaded;
  }

  /** `tenantId`'s configuration changed: forget it (and let no load in flight keep an older one). */
  invalidate(tenantId: string): void {
    this.#generation++;
    this.#entries.delete(tenantId);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  #live(): boolean {
    return this.#subscription !== undefined && this.db.listenerState() === 'connected';
  }

  #store(tenantId: string, value: T): void {
    this.#entries.set(tenantId, value);
    // Oldest first out: tenants are few; an exact LRU is not worth a re-insert per hit.
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

import type { Database, Queryable, Subscription } from '../db/database.ts';
import { NotifyBarrier } from '../events/notify-barrier.ts';
import { enabledEndpoints, type EndpointSubscription } from './endpoint-repository.ts';
import { WEBHOOK_ENDPOINTS_CHANNEL } from './endpoint-events.ts';

/**
 * Which enabled endpoints of a tenant hear an event type, cached per process so the webhook
 * sink need not SELECT them for every security event.
 *
 * Kept exact by the NOTIFY every endpoint change commits with (announceEndpointChange), and
 * trusted only after a barrier (NotifyBarrier: a NOTIFY of this process's own, sent after the
 * question was asked, has come back on the listening connection, so every change committed
 * before the question has been heard). So an endpoint whose creation committed before an event
 * is recorded receives that event, whichever instance records it, exactly as when the sink
 * SELECTed. The barrier is shared by every event waiting at that moment (one NOTIFY for many),
 * which is what makes this cheaper than a SELECT per event.
 *
 * While the listener is down, before `start` and after a failed barrier, the sink reads the
 * table in its transaction as before; everything cached is dropped when the listener comes back.
 */
export class SubscribedEndpoints {
  readonly #entries = new Map<string, readonly EndpointSubscription[]>();
  readonly #barrier: NotifyBarrier;
  /** Bumped by every invalidation: a load started under an older one may not fill the cache. */
  #generation = 0;
  #subscriptions: Subscription[] = [];

  constructor(
    private readonly db: Database,
    private readonly maxTenants = 10_000,
  ) {
    // Sent on the listening connection: the sink waits for it inside transactions, which may
    // hold every pooled connection.
    this.#barrier = new NotifyBarrier({ query: (text, params) => db.queryOnListener(text, params) });
  }

  async start(): Promise<void> {
    this.#subscriptions.push(
      await this.db.listen(
        WEBHOOK_ENDPOINTS_CHANNEL,
        (tenantId) => this.#invalidate(tenantId),
        () => this.#interrupted('the listener reconnected'),
      ),
      await this.db.listen(this.#barrier.channel, (payload) => this.#barrier.arrived(payload)),
    );
  }

  async stop(): Promise<void> {
    const subscriptions = this.#subscriptions;
    this.#subscriptions = [];
    this.#interrupted('stopping');
    for (const subscription of subscriptions) await subscription.close();
  }

  /** Ids of the tenant's enabled endpoints subscribed to `type` (or to everything), oldest first; `tx` reads them when the cache may not answer. */
  async ids(tx: Queryable, tenantId: string, type: string): Promise<string[]> {
    return matching(await this.#endpoints(tx, tenantId), type);
  }

  async #endpoints(tx: Queryable, tenantId: string): Promise<readonly EndpointSubscription[]> {
    if (!this.#live()) return enabledEndpoints(tx, tenantId);
    const generation = this.#generation;
    try {
      await this.#barrier.sync();
    } catch {
      return enabledEndpoints(tx, tenantId);
    }
    // A reconnect while waiting may have lost announcements: the cache was cleared; read.
    if (!this.#live() || generation !== this.#generation) return enabledEndpoints(tx, tenantId);
    const hit = this.#entries.get(tenantId);
    if (hit) return hit;
    const loaded = await enabledEndpoints(tx, tenantId);
    // Kept only if no announcement arrived meanwhile: it might be of a change the read missed.
    if (generation === this.#generation && this.#live()) this.#store(tenantId, loaded);
    return loaded;
  }

  #live(): boolean {
    return this.#subscriptions.length > 0 && this.db.listenerState() === 'connected';
  }

  #invalidate(tenantId: string): void {
    this.#generation++;
    this.#entries.delete(tenantId);
  }

  #interrupted(reason: string): void {
    this.#generation++;
    this.#entries.clear();
    this.#barrier.abort(reason);
  }

  #store(tenantId: string, endpoints: readonly EndpointSubscription[]): void {
    this.#entries.set(tenantId, endpoints);
    // Oldest first out: an exact LRU is not worth a re-insert per hit.
    if (this.#entries.size > this.maxTenants) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

function matching(endpoints: readonly EndpointSubscription[], type: string): string[] {
  return endpoints.filter((e) => e.events.includes('*') || e.events.includes(type)).map((e) => e.id);
}

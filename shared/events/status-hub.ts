import type { Database, Subscription } from '../db/database.ts';
import { readStatus, statusNotFound } from '../enrollment/read-status.ts';
import { isTerminal } from '../enrollment/state-machine.ts';
import type { VersionedStatus } from '../enrollment/status-document.ts';
import { isVerificationError } from '../errors/verification-error.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../runtime/deps.ts';
import { NotifyBarrier } from './notify-barrier.ts';
import { StatusCache } from './status-cache.ts';
import { STATUS_CHANNEL, parseStatusEvent } from './status-events.ts';
import type { StatusMetrics } from './status-metrics.ts';
import { UnknownStatusCache } from './unknown-status-cache.ts';

export type StatusListener = (status: VersionedStatus) => void;

/** A watcher as an object: with thousands of subscriptions, cheaper than a closure each. */
export interface StatusWatcher {
  statusChanged(status: VersionedStatus): void;
}

type Watcher = StatusListener | StatusWatcher;

/**
 * `live`: the event stream is complete and the cache may answer. `resyncing`: the listener is
 * back and watched ids are being re-read. `down`: the listener is reconnecting. In every state
 * but `live`, reads go to the database.
 */
export type HubState = 'starting' | 'live' | 'resyncing' | 'down' | 'stopped';

export interface StatusHubOptions {
  clock?: Clock;
  /** How many statuses the per-process cache keeps; 0 turns the cache off. */
  cacheEntries?: number;
  metrics?: StatusMetrics;
  /** Ids a resync re-reads at once: the pool is shared with requests. */
  resyncConcurrency?: number;
  /** How long a read waits for its barrier before it reads the database instead. */
  barrierTimeoutMs?: number;
  /** How many unknown status ids the negative cache keeps (0: none), and for how long. */
  unknownEntries?: number;
  unknownTtlMs?: number;
}

const RESYNC_RETRY_MS = 1_000;
/** How often watched live statuses are checked for an ended lifetime. */
const EXPIRY_TICK_MS = 250;

/**
 * The process's single subscriber to status events: one LISTEN, fanned out in memory to the
 * local watchers of each status id (long polls and WebSockets), plus the status cache that
 * the same stream keeps exact. After the listener reconnects it re-reads every watched id and
 * hands the result to the watchers, which ignore what they already have. A watched live
 * status is re-read as soon as its lifetime ends, so its watchers see EXPIRED on time.
 */
export class StatusHub {
  #watchers = new Map<string, Set<Watcher>>();
  /** Watched ids whose last known status is live, with the instant (ms) their lifetime ends. */
  #deadlines = new Map<string, number>();
  #ticker: NodeJS.Timeout | undefined;
  #releaseHandlers = new Set<() => void>();
  #subscriptions: Subscription[] = [];
  #phase: 'starting' | 'live' | 'resyncing' | 'stopped' = 'starting';
  /** Bumped whenever the stream was interrupted; a read started under an older one may not fill the cache. */
  #generation = 0;
  #retry: NodeJS.Timeout | undefined;
  /** False after a barrier failed: reads skip the cache (and its wait) until a probe barrier succeeds. */
  #barrierHealthy = true;
  #probing = false;
  readonly #cache: StatusCache;
  readonly #unknown: UnknownStatusCache;
  readonly #barrier: NotifyBarrier;
  readonly #clock: Clock;
  readonly #metrics: StatusMetrics | undefined;
  readonly #resyncConcurrency: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    options: StatusHubOptions = {},
  ) {
    this.#clock = options.clock ?? (() => new Date());
    this.#cache = new StatusCache(options.cacheEntries ?? 50_000);
    this.#unknown = new UnknownStatusCache(options.unknownEntries ?? Math.min(this.#cache.maxEntries, 10_000), options.unknownTtlMs ?? 5_000);
    this.#barrier = new NotifyBarrier(db, options.barrierTimeoutMs);
    this.#metrics = options.metrics;
    this.#resyncConcurrency = options.resyncConcurrency ?? 4;
  }

  async start(): Promise<void> {
    this.#subscriptions.push(
      await this.db.listen(
        STATUS_CHANNEL,
        (payload) => this.#dispatch(payload),
        () => this.#reconnected(),
      ),
      await this.db.listen(this.#barrier.channel, (payload) => this.#barrier.arrived(payload)),
    );
    this.#phase = 'live';
    this.#ticker = setInterval(() => this.#expireDue(), EXPIRY_TICK_MS);
    this.#ticker.unref();
  }

  async stop(): Promise<void> {
    this.#phase = 'stopped';
    clearTimeout(this.#retry);
    clearInterval(this.#ticker);
    this.#barrier.abort('the status hub is stopping');
    const subscriptions = this.#subscriptions;
    this.#subscriptions = [];
    for (const subscription of subscriptions) await subscription.close();
    this.#cache.clear();
    this.#unknown.clear();
  }

  get state(): HubState {
    if (this.#phase === 'starting' || this.#phase === 'stopped') return this.#phase;
    if (this.db.listenerState() !== 'connected') return 'down';
    return this.#phase;
  }

  /** Calls `listener` for every change of `statusId` until the returned function is called. */
  watch(statusId: string, listener: StatusListener): () => void {
    this.addWatcher(statusId, listener);
    return () => this.removeWatcher(statusId, listener);
  }

  /** Tells `watcher` about every change of `statusId` until removed. */
  addWatcher(statusId: string, watcher: Watcher): void {
    let set = this.#watchers.get(statusId);
    if (!set) {
      set = new Set();
      this.#watchers.set(statusId, set);
    }
    set.add(watcher);
  }

  removeWatcher(statusId: string, watcher: Watcher): void {
    const set = this.#watchers.get(statusId);
    if (!set?.delete(watcher) || set.size > 0) return;
    this.#watchers.delete(statusId);
    this.#deadlines.delete(statusId);
  }

  /** Runs `handler` when the process asks waiters to answer now (shutdown). */
  onRelease(handler: () => void): () => void {
    this.#releaseHandlers.add(handler);
    return () => this.#releaseHandlers.delete(handler);
  }

  /** Tells every long poll to answer with what it has, so draining HTTP does not wait for them. */
  releaseWaiters(): void {
    for (const handler of [...this.#releaseHandlers]) handler();
  }

  /**
   * The current status of `statusId`, never older than any status committed before the call:
   * from the cache once a barrier shows every earlier event was heard, from the database
   * otherwise (listener down or resyncing, barrier late, exchange due to expire, or the caller
   * already knows a newer `knownVersion`). An id recently found unknown is refused the same
   * way, from the negative cache after a barrier (see UnknownStatusCache).
   *
   * @throws VerificationError ENROLLMENT_NOT_FOUND
   */
  async read(statusId: string, knownVersion = 0): Promise<VersionedStatus> {
    const status = await this.#read(statusId, knownVersion);
    this.#track(status);
    return status;
  }

  async #read(statusId: string, knownVersion: number): Promise<VersionedStatus> {
    if (this.#cache.maxEntries === 0 || this.state !== 'live') return this.#bypass(statusId);
    if (!this.#barrierHealthy) {
      this.#probeBarrier();
      return this.#bypass(statusId);
    }
    const generation = this.#generation;
    if (this.#cache.holds(statusId) || this.#unknown.has(statusId, this.#clock().getTime())) {
      try {
        await this.#barrier.sync();
      } catch (err) {
        if (this.#barrierHealthy) {
          this.#barrierHealthy = false;
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'status barrier failed; reading the database until one succeeds');
        }
        return this.#bypass(statusId);
      }
      if (generation !== this.#generation || this.state !== 'live') return this.#bypass(statusId);
      const hit = this.#cache.get(statusId);
      if (hit) {
        if (!this.#servable(hit, knownVersion)) return this.#bypass(statusId);
        this.#metrics?.cacheReads.inc({ result: 'hit' });
        return hit;
      }
      if (this.#unknown.has(statusId, this.#clock().getTime())) {
        this.#metrics?.cacheReads.inc({ result: 'unknown' });
        throw statusNotFound();
      }
    }
    // Nothing cached: a database read started now is fresh by construction.
    this.#metrics?.cacheReads.inc({ result: 'miss' });
    return this.#unknown.lookup(
      statusId,
      () => this.#cache.fill(statusId, () => this.#load(statusId), () => this.#mayStore(generation)),
      () => this.#mayStore(generation),
      () => this.#clock().getTime(),
    );
  }

  /** One barrier at a time, in the background, to learn when the cache may answer again. */
  #probeBarrier(): void {
    if (this.#probing) return;
    this.#probing = true;
    this.#barrier
      .sync()
      .then(
        () => {
          this.#barrierHealthy = true;
        },
        () => undefined,
      )
      .finally(() => {
        this.#probing = false;
      });
  }

  #servable(status: VersionedStatus, knownVersion: number): boolean {
    if (status.version < knownVersion) return false;
    // A live status past its lifetime must go through readStatus, which expires it.
    return isTerminal(status.document.status) || Date.parse(status.document.expires_at) > this.#clock().getTime();
  }

  #bypass(statusId: string): Promise<VersionedStatus> {
    this.#metrics?.cacheReads.inc({ result: 'bypass' });
    return this.#load(statusId);
  }

  #load(statusId: string): Promise<VersionedStatus> {
    return readStatus(this.db, statusId, this.#clock());
  }

  #mayStore(generation: number): boolean {
    return generation === this.#generation && this.#phase !== 'stopped' && this.db.listenerState() === 'connected';
  }

  #dispatch(payload: string): void {
    const status = parseStatusEvent(payload);
    if (!status) {
      this.log.warn('ignored a malformed status event');
      return;
    }
    this.#metrics?.eventsReceived.inc();
    this.#unknown.forget(status.document.id);
    this.#cache.apply(status);
    this.#deliver(status);
  }

  #deliver(status: VersionedStatus): void {
    const set = this.#watchers.get(status.document.id);
    if (!set) return;
    this.#track(status);
    for (const watcher of [...set]) {
      try {
        if (typeof watcher === 'function') watcher(status);
        else watcher.statusChanged(status);
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'a status watcher failed');
      }
    }
  }

  /** Remembers when a watched live status expires (or forgets it once terminal). */
  #track(status: VersionedStatus): void {
    const id = status.document.id;
    if (!this.#watchers.has(id)) return;
    if (isTerminal(status.document.status)) this.#deadlines.delete(id);
    else this.#deadlines.set(id, Date.parse(status.document.expires_at));
  }

  /** Re-reads watched statuses whose lifetime ended: the read expires them and announces it. */
  #expireDue(): void {
    const now = this.#clock().getTime();
    for (const [id, deadline] of this.#deadlines) {
      if (deadline > now) continue;
      this.#deadlines.delete(id);
      this.read(id).then(
        (status) => this.#deliver(status),
        (err: unknown) => {
          // Database unreachable: try again on a later tick.
          if (isVerificationError(err) || !this.#watchers.has(id) || this.#deadlines.has(id)) return;
          this.#deadlines.set(id, deadline);
        },
      );
    }
  }

  /** Called by the listener, synchronously, before the new connection delivers anything. */
  #reconnected(): void {
    this.#generation++;
    this.#cache.clear();
    this.#unknown.clear();
    this.#barrier.abort('the listening connection was replaced');
    this.#metrics?.listenerReconnects.inc();
    clearTimeout(this.#retry);
    void this.#resync(this.#generation, [...this.#watchers.keys()]);
  }

  /** Re-reads `ids` and hands each result to its watchers; retries failures until a newer resync takes over. */
  async #resync(generation: number, ids: string[]): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'resyncing';
    const failed: string[] = [];
    let next = 0;
    const current = () => generation === this.#generation && this.#phase !== 'stopped';
    const worker = async () => {
      while (next < ids.length && current()) {
        const id = ids[next++]!;
        if (!this.#watchers.has(id)) continue;
        try {
          this.#deliver(await this.#cache.fill(id, () => this.#load(id), () => this.#mayStore(generation)));
        } catch (err) {
          if (!(isVerificationError(err) && err.name === 'ENROLLMENT_NOT_FOUND')) failed.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#resyncConcurrency, ids.length) }, worker));
    if (!current()) return;
    if (failed.length > 0) {
      this.log.warn({ failed: failed.length }, 'resync could not re-read some statuses; retrying');
      this.#retry = setTimeout(() => void this.#resync(generation, failed), RESYNC_RETRY_MS);
      this.#retry.unref();
      return;
    }
    this.#phase = 'live';
    this.log.info({ watched: ids.length }, 'status events resynced');
  }
}

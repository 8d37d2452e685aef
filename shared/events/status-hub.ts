import type { Clock } from '../clock/clock.ts';
import type { Database, Subscription } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { isVerificationError } from '../errors/verification-error.ts';
import { isStatusNotFound, isTerminalStatus, type VersionedStatus } from '../status/status-document.ts';
import { CachedStatusReader, type StatusLoader } from './cached-status-reader.ts';
import { NotifyBarrier } from './notify-barrier.ts';
import { STATUS_CHANNEL, parseStatusEvent } from './status-events.ts';
import type { StatusMetrics } from './status-metrics.ts';

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
  /** Reads one status from the database, expiring it when its lifetime ended (readStatus). */
  load: StatusLoader;
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
 * local watchers of each status id (long polls and WebSockets), and to the read path
 * (CachedStatusReader) whose caches the same stream keeps exact. After the listener reconnects it re-reads every watched id and
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
  readonly #reader: CachedStatusReader;
  readonly #barrier: NotifyBarrier;
  readonly #clock: Clock;
  readonly #metrics: StatusMetrics | undefined;
  readonly #resyncConcurrency: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    options: StatusHubOptions,
  ) {
    this.#clock = options.clock ?? (() => new Date());
    // Sent on the listening connection itself: no wait for a pooled connection, which requests
    // under load all want (README, Performance: the A/B of the two).
    this.#barrier = new NotifyBarrier({ query: (text, params) => db.queryOnListener(text, params) }, options.barrierTimeoutMs);
    this.#metrics = options.metrics;
    this.#resyncConcurrency = options.resyncConcurrency ?? 4;
    const cacheEntries = options.cacheEntries ?? 50_000;
    this.#reader = new CachedStatusReader({
      load: options.load,
      barrier: this.#barrier,
      stream: {
        live: () => this.state === 'live',
        generation: () => this.#generation,
        mayStore: (generation) => this.#mayStore(generation),
      },
      log,
      clock: this.#clock,
      cacheEntries,
      unknownEntries: options.unknownEntries ?? Math.min(cacheEntries, 10_000),
      unknownTtlMs: options.unknownTtlMs ?? 5_000,
      metrics: options.metrics,
    });
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
    this.#reader.clear();
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
   * The current status of `statusId`, never older than any status committed before the call
   * (see CachedStatusReader).
   *
   * @throws VerificationError ENROLLMENT_NOT_FOUND
   */
  async read(statusId: string, knownVersion = 0): Promise<VersionedStatus> {
    const status = await this.#reader.read(statusId, knownVersion);
    this.#track(status);
    return status;
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
    this.#reader.apply(status);
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
    if (isTerminalStatus(status.document.status)) this.#deadlines.delete(id);
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
    this.#reader.clear();
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
          this.#deliver(await this.#reader.fill(id, generation));
        } catch (err) {
          if (!isStatusNotFound(err)) failed.push(id);
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

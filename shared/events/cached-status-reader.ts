import type { Clock } from '../clock/clock.ts';
import type { Logger } from '../log/logger.ts';
import { hasLapsed, statusNotFound, type VersionedStatus } from '../status/status-document.ts';
import { StatusCache } from './status-cache.ts';
import type { StatusMetrics } from './status-metrics.ts';
import { UnknownStatusCache } from './unknown-status-cache.ts';

/** Reads one status from the database (and expires it when its lifetime ended). */
export type StatusLoader = (statusId: string) => Promise<VersionedStatus>;

/** "Has this process heard every status event committed so far?" (see NotifyBarrier). */
export interface Barrier {
  sync(): Promise<void>;
}

/**
 * What the reader needs to know of the event stream that keeps its caches exact; the StatusHub,
 * which owns the listener, answers.
 */
export interface EventStream {
  /** The stream is complete: the listener is connected and not resyncing. */
  live(): boolean;
  /** Bumped whenever the stream was interrupted. */
  generation(): number;
  /** Whether a read started under `generation` may still fill the caches. */
  mayStore(generation: number): boolean;
}

export interface CachedStatusReaderOptions {
  load: StatusLoader;
  barrier: Barrier;
  stream: EventStream;
  log: Logger;
  clock: Clock;
  /** How many statuses the cache keeps; 0 turns both caches off. */
  cacheEntries: number;
  /** How many unknown status ids the negative cache keeps (0: none), and for how long. */
  unknownEntries: number;
  unknownTtlMs: number;
  metrics?: StatusMetrics;
}

/**
 * The read path of status documents: from the per-process cache once a barrier shows every
 * earlier event was heard, from the database otherwise (stream not live, barrier late or
 * failing, a live status past its lifetime, or the caller already knows a newer version). An id
 * recently found unknown is refused the same way, from the negative cache after a barrier.
 *
 * The caches are kept exact by the events the owner hands to `apply`, and forgotten with
 * `clear` whenever the stream was interrupted.
 */
export class CachedStatusReader {
  readonly #cache: StatusCache;
  readonly #unknown: UnknownStatusCache;
  readonly #options: CachedStatusReaderOptions;
  /** False after a barrier failed: reads skip the cache (and its wait) until a probe barrier succeeds. */
  #barrierHealthy = true;
  #probing = false;

  constructor(options: CachedStatusReaderOptions) {
    this.#options = options;
    this.#cache = new StatusCache(options.cacheEntries);
    this.#unknown = new UnknownStatusCache(options.cacheEntries === 0 ? 0 : options.unknownEntries, options.unknownTtlMs);
  }

  /** How many statuses the cache holds now. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * The current status of `statusId`, never older than any status committed before the call.
   *
   * @throws VerificationError ENROLLMENT_NOT_FOUND for an id no exchange has.
   */
  async read(statusId: string, knownVersion = 0): Promise<VersionedStatus> {
    const { stream, metrics } = this.#options;
    if (this.#cache.maxEntries === 0 || !stream.live()) return this.#bypass(statusId);
    if (!this.#barrierHealthy) {
      this.#probeBarrier();
      return this.#bypass(statusId);
    }
    const generation = stream.generation();
    if (this.#cache.holds(statusId) || this.#unknown.has(statusId, this.#nowMs())) {
      try {
        await this.#options.barrier.sync();
      } catch (err) {
        if (this.#barrierHealthy) {
          this.#barrierHealthy = false;
          this.#options.log.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'status barrier failed; reading the database until one succeeds',
          );
        }
        return this.#bypass(statusId);
      }
      if (generation !== stream.generation() || !stream.live()) return this.#bypass(statusId);
      const hit = this.#cache.get(statusId);
      if (hit) {
        if (!this.#servable(hit, knownVersion)) return this.#bypass(statusId);
        metrics?.cacheReads.inc({ result: 'hit' });
        return hit;
      }
      if (this.#unknown.has(statusId, this.#nowMs())) {
        metrics?.cacheReads.inc({ result: 'unknown' });
        throw statusNotFound();
      }
    }
    // Nothing cached: a database read started now is fresh by construction.
    metrics?.cacheReads.inc({ result: 'miss' });
    return this.#unknown.lookup(
      statusId,
      () => this.fill(statusId, generation),
      () => stream.mayStore(generation),
      () => this.#nowMs(),
    );
  }

  /** Reads `statusId` from the database (joining a read in flight) and keeps it if the stream still allows. */
  fill(statusId: string, generation: number): Promise<VersionedStatus> {
    return this.#cache.fill(statusId, () => this.#options.load(statusId), () => this.#options.stream.mayStore(generation));
  }

  /** A status event from the stream: the id exists, and a cached entry moves on. */
  apply(status: VersionedStatus): void {
    this.#unknown.forget(status.document.id);
    this.#cache.apply(status);
  }

  /** The stream was interrupted: nothing cached, nor being read, can be trusted. */
  clear(): void {
    this.#cache.clear();
    this.#unknown.clear();
  }

  /** One barrier at a time, in the background, to learn when the cache may answer again. */
  #probeBarrier(): void {
    if (this.#probing) return;
    this.#probing = true;
    this.#options.barrier
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
    // A lapsed live status must go through the loader, which expires it.
    return !hasLapsed(status.document.status, status.document.expires_at, this.#options.clock());
  }

  #bypass(statusId: string): Promise<VersionedStatus> {
    this.#options.metrics?.cacheReads.inc({ result: 'bypass' });
    return this.#options.load(statusId);
  }

  #nowMs(): number {
    return this.#options.clock().getTime();
  }
}

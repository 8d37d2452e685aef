import { isStatusNotFound } from '../status/status-document.ts';

/**
 * Status ids this process recently looked up and found unknown, so repeated polls of them
 * (a stale bookmark, a client retrying, a flood) cost no query each. Entries live `ttlMs`,
 * the oldest go first beyond `maxEntries`.
 *
 * Exact with respect to creation only together with its owner (the StatusHub), which:
 * remembers a miss only while the event stream is live and uninterrupted since the lookup
 * began; calls `forget` for every status event it hears (every creation announces itself with
 * `publishStatus` in its transaction); clears the cache when the stream is interrupted; and
 * before answering from an entry waits for a barrier, so an announcement committed before
 * the question has been heard. A lookup that races the creation of its id is not remembered:
 * the event arrives while the lookup is in flight and marks it stale.
 */
export class UnknownStatusCache {
  /** Id → instant (ms) the entry stops counting. */
  #entries = new Map<string, number>();
  /** Lookups in flight per id. */
  #inFlight = new Map<string, number>();
  /** Ids heard of while a lookup of theirs was in flight: that lookup's miss is not remembered. */
  #stale = new Set<string>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Whether `statusId` was found unknown less than `ttlMs` before `nowMs`. */
  has(statusId: string, nowMs: number): boolean {
    const until = this.#entries.get(statusId);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.#entries.delete(statusId);
    return false;
  }

  /**
   * Runs `load` (a read of `statusId`); when it fails with the unknown-status refusal, no event for
   * the id was heard meanwhile and `mayRemember()` still allows it, the id is remembered.
   */
  async lookup<T>(statusId: string, load: () => Promise<T>, mayRemember: () => boolean, now: () => number): Promise<T> {
    this.#inFlight.set(statusId, (this.#inFlight.get(statusId) ?? 0) + 1);
    try {
      return await load();
    } catch (err) {
      if (isStatusNotFound(err) && !this.#stale.has(statusId) && mayRemember()) this.#remember(statusId, now());
      throw err;
    } finally {
      const left = this.#inFlight.get(statusId)! - 1;
      if (left > 0) this.#inFlight.set(statusId, left);
      else {
        this.#inFlight.delete(statusId);
        this.#stale.delete(statusId);
      }
    }
  }

  /** A status event for `statusId` was heard: it exists now. */
  forget(statusId: string): void {
    this.#entries.delete(statusId);
    if (this.#inFlight.has(statusId)) this.#stale.add(statusId);
  }

  /** The event stream was interrupted: nothing remembered, nor being looked up, can be trusted. */
  clear(): void {
    this.#entries.clear();
    for (const statusId of this.#inFlight.keys()) this.#stale.add(statusId);
  }

  #remember(statusId: string, nowMs: number): void {
    if (this.maxEntries === 0) return;
    this.#entries.delete(statusId);
    this.#entries.set(statusId, nowMs + this.ttlMs);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

import type { VersionedStatus } from '../status/status-document.ts';

class Fill {
  promise!: Promise<VersionedStatus>;
  /** The newest event heard while the database read was in flight. */
  newest: VersionedStatus | undefined;
}

/**
 * The statuses this process read recently, kept exact by the event stream: an entry is only
 * ever replaced by a higher version, and events heard while an entry is being read from the
 * database are folded into the read's result, so a read that raced a transition cannot store
 * the older state. Least recently used entries go first when `maxEntries` is reached.
 *
 * The cache itself knows nothing about the listener: its owner clears it whenever the event
 * stream was interrupted and decides when an entry may be served.
 */
export class StatusCache {
  #entries = new Map<string, VersionedStatus>();
  #fills = new Map<string, Fill>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Whether a read of `statusId` would meet an entry or an in-flight fill. */
  holds(statusId: string): boolean {
    return this.#entries.has(statusId) || this.#fills.has(statusId);
  }

  get(statusId: string): VersionedStatus | undefined {
    const entry = this.#entries.get(statusId);
    if (entry) {
      // Re-insert so iteration order is least recently used first.
      this.#entries.delete(statusId);
      this.#entries.set(statusId, entry);
    }
    return entry;
  }

  /** An event from the stream: kept for ids this cache holds or is reading, ignored otherwise. */
  apply(status: VersionedStatus): void {
    const id = status.document.id;
    const entry = this.#entries.get(id);
    if (entry && status.version > entry.version) this.#entries.set(id, status);
    const fill = this.#fills.get(id);
    if (fill && status.version > (fill.newest?.version ?? 0)) fill.newest = status;
  }

  /**
   * Reads `statusId` with `load` (joining a read already in flight) and stores the newest of
   * the result and the events heard meanwhile, if `mayStore()` still allows it at the end.
   */
  fill(statusId: string, load: () => Promise<VersionedStatus>, mayStore: () => boolean): Promise<VersionedStatus> {
    const running = this.#fills.get(statusId);
    if (running) return running.promise;
    const fill = new Fill();
    fill.promise = load().then(
      (read) => {
        const newest = fill.newest && fill.newest.version > read.version ? fill.newest : read;
        if (this.#fills.get(statusId) === fill) {
          this.#fills.delete(statusId);
          if (mayStore()) this.#store(newest);
        }
        return newest;
      },
      (err: unknown) => {
        if (this.#fills.get(statusId) === fill) this.#fills.delete(statusId);
        throw err;
      },
    );
    this.#fills.set(statusId, fill);
    return fill.promise;
  }

  /** Forgets everything, including reads in flight (their results are returned, not stored). */
  clear(): void {
    this.#entries.clear();
    this.#fills.clear();
  }

  #store(status: VersionedStatus): void {
    if (this.maxEntries === 0) return;
    const id = status.document.id;
    const entry = this.#entries.get(id);
    if (entry && entry.version >= status.version) return;
    this.#entries.delete(id);
    this.#entries.set(id, status);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

import { isTerminalStatus, type VersionedStatus } from '../status/status-document.ts';
import type { StatusHub, StatusWatcher } from './status-hub.ts';

/**
 * Where subscriptions deliver; any transport (WebSocket, server-sent events) can be one. One
 * sink may serve many subscriptions, so the id is passed along.
 */
export interface StatusSink {
  /** A status newer than the last one delivered: the snapshot first, then each change in order. */
  status(status: VersionedStatus): void;
  /** The last status delivered was terminal: nothing more will follow. */
  ended(statusId: string): void;
  /** The snapshot could not be read (unknown id, database unreachable): nothing more will follow. */
  failed(statusId: string, err: unknown): void;
}

/**
 * One watcher of one status id: the current snapshot first, then every newer version the hub
 * hears (or re-reads after a resync or at expiry), never an older or repeated one, until a
 * terminal status or `close()`. Kept small on purpose: a process may hold tens of thousands.
 */
export class StatusSubscription implements StatusWatcher {
  #lastVersion = 0;
  /** Events heard before the snapshot was read; undefined once it was delivered. */
  #early: VersionedStatus[] | undefined = [];
  #closed = false;

  constructor(
    private readonly hub: StatusHub,
    readonly statusId: string,
    private readonly sink: StatusSink,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts watching; settles once the snapshot was delivered (or the subscription failed). */
  start(): Promise<void> {
    // Watch before reading, so a change committed in between is not missed.
    this.hub.addWatcher(this.statusId, this);
    return this.hub.read(this.statusId).then(
      (snapshot) => {
        const early = this.#early ?? [];
        this.#early = undefined;
        this.#push(snapshot);
        for (const status of early.sort((a, b) => a.version - b.version)) this.#push(status);
      },
      (err: unknown) => {
        if (this.#closed) return;
        this.close();
        this.sink.failed(this.statusId, err);
      },
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#early = undefined;
    this.hub.removeWatcher(this.statusId, this);
  }

  /** Called by the hub for each status it hears or re-reads. */
  statusChanged(status: VersionedStatus): void {
    if (this.#early) this.#early.push(status);
    else this.#push(status);
  }

  #push(status: VersionedStatus): void {
    if (this.#closed || status.version <= this.#lastVersion) return;
    this.#lastVersion = status.version;
    this.sink.status(status);
    if (isTerminalStatus(status.document.status)) {
      this.close();
      this.sink.ended(this.statusId);
    }
  }
}

import type { Database, Subscription } from '../db/database.ts';
import type { VersionedStatus } from '../enrollment/status-document.ts';
import type { Logger } from '../log/logger.ts';
import { STATUS_CHANNEL, parseStatusEvent } from './status-events.ts';

export type StatusListener = (status: VersionedStatus) => void;

/**
 * The process's single subscriber to status events: one LISTEN, fanned out in memory to the
 * local watchers of each status id (long polls and WebSockets).
 */
export class StatusHub {
  #watchers = new Map<string, Set<StatusListener>>();
  #resyncHandlers = new Set<() => void>();
  #subscription: Subscription | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.#subscription = await this.db.listen(
      STATUS_CHANNEL,
      (payload) => this.#dispatch(payload),
      () => this.#resync(),
    );
  }

  async stop(): Promise<void> {
    await this.#subscription?.close();
    this.#subscription = undefined;
  }

  /** Calls `listener` for every change of `statusId` until the returned function is called. */
  watch(statusId: string, listener: StatusListener): () => void {
    let set = this.#watchers.get(statusId);
    if (!set) {
      set = new Set();
      this.#watchers.set(statusId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#watchers.get(statusId) === set) this.#watchers.delete(statusId);
    };
  }

  /** Runs `handler` after the event stream was interrupted, so watchers can re-read what they track. */
  onResync(handler: () => void): () => void {
    this.#resyncHandlers.add(handler);
    return () => this.#resyncHandlers.delete(handler);
  }

  get watchedIds(): number {
    return this.#watchers.size;
  }

  #dispatch(payload: string): void {
    const status = parseStatusEvent(payload);
    if (!status) {
      this.log.warn('ignored a malformed status event');
      return;
    }
    const set = this.#watchers.get(status.document.id);
    if (!set) return;
    for (const listener of [...set]) listener(status);
  }

  #resync(): void {
    for (const handler of [...this.#resyncHandlers]) handler();
  }
}

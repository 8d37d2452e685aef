import { randomBytes } from 'node:crypto';

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface InFlight {
  token: string;
  waiters: Waiter[];
  timer: NodeJS.Timeout;
}

/** Where a barrier's NOTIFY is sent: the pool, or the listening connection itself (Database.queryOnListener). */
export interface BarrierSender {
  query(text: string, params: unknown[]): Promise<unknown>;
}

/** Why a barrier did not complete; the caller then reads the database instead. */
export class BarrierError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BarrierError';
  }
}

/**
 * "Has this process heard every status event committed so far?" PostgreSQL delivers the
 * notifications of all channels to a listening session in commit order, so once a NOTIFY on
 * this process's private channel, committed after the question was asked, comes back on the
 * listening connection, every event committed before it has been dispatched.
 *
 * Barriers are coalesced and pipelined: the callers of one event-loop turn share one NOTIFY,
 * sent at the end of that turn, and up to `maxInFlight` are out at once, so a caller waits one
 * round trip (plus the turn) rather than the rest of the barrier in flight and then its own.
 * Each barrier settles its own callers only: barriers sent on different pooled connections
 * may commit in either order. The NOTIFY commits with `synchronous_commit = off` because
 * nothing needs it to survive a crash.
 */
export class NotifyBarrier {
  /** The private channel; the owner LISTENs on it and passes each payload to `arrived`. */
  readonly channel = `verification_sync_${randomBytes(8).toString('hex')}`;
  #seq = 0;
  #inFlight = new Map<string, InFlight>();
  #queued: Waiter[] = [];
  #scheduled = false;

  constructor(
    private readonly db: BarrierSender,
    private readonly timeoutMs = 1_000,
    private readonly maxInFlight = 2,
  ) {}

  /** Resolves once every notification committed before this call has been delivered. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** A payload heard on `channel`. */
  arrived(payload: string): void {
    const inFlight = this.#inFlight.get(payload);
    if (inFlight) this.#settle(inFlight, undefined);
  }

  /** The listening connection was replaced: a barrier sent before may never come back. */
  abort(reason: string): void {
    for (const inFlight of [...this.#inFlight.values()]) this.#settle(inFlight, new BarrierError(reason));
  }

  /** Sends the queued callers' barrier at the end of this turn, if a slot is free then. */
  #schedule(): void {
    if (this.#scheduled || this.#queued.length === 0 || this.#inFlight.size >= this.maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#queued.length > 0 && this.#inFlight.size < this.maxInFlight) this.#send();
    });
  }

  #send(): void {
    const token = String(++this.#seq);
    const inFlight: InFlight = {
      token,
      waiters: this.#queued,
      timer: setTimeout(() => this.#settle(inFlight, new BarrierError(`no barrier echo within ${this.timeoutMs} ms`)), this.timeoutMs),
    };
    inFlight.timer.unref();
    this.#queued = [];
    this.#inFlight.set(token, inFlight);
    this.db
      .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)", [this.channel, token])
      .catch((err: unknown) => this.#settle(inFlight, new BarrierError('could not send the barrier', { cause: err })));
  }

  #settle(inFlight: InFlight, err: Error | undefined): void {
    if (this.#inFlight.get(inFlight.token) !== inFlight) return;
    clearTimeout(inFlight.timer);
    this.#inFlight.delete(inFlight.token);
    for (const waiter of inFlight.waiters) {
      if (err) waiter.reject(err);
      else waiter.resolve();
    }
    this.#schedule();
  }
}

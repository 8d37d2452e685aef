import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface InFlight {
  token: string;
  waiters: Waiter[];
  timer: NodeJS.Timeout;
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
 * Barriers are coalesced: one is in flight at a time and serves every caller that asked
 * before it was sent; callers arriving meanwhile share the next one. The NOTIFY commits with
 * `synchronous_commit = off` because nothing needs it to survive a crash.
 */
export class NotifyBarrier {
  /** The private channel; the owner LISTENs on it and passes each payload to `arrived`. */
  readonly channel = `verification_sync_${randomBytes(8).toString('hex')}`;
  #seq = 0;
  #inFlight: InFlight | undefined;
  #queued: Waiter[] = [];

  constructor(
    private readonly db: Queryable,
    private readonly timeoutMs = 1_000,
  ) {}

  /** Resolves once every notification committed before this call has been delivered. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ resolve, reject });
      if (!this.#inFlight) this.#send();
    });
  }

  /** A payload heard on `channel`. */
  arrived(payload: string): void {
    const inFlight = this.#inFlight;
    if (!inFlight || inFlight.token !== payload) return;
    this.#settle(inFlight, undefined);
  }

  /** The listening connection was replaced: a barrier sent before may never come back. */
  abort(reason: string): void {
    if (this.#inFlight) this.#settle(this.#inFlight, new BarrierError(reason));
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
    this.#inFlight = inFlight;
    this.db
      .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)", [this.channel, token])
      .catch((err: unknown) => this.#settle(inFlight, new BarrierError('could not send the barrier', { cause: err })));
  }

  #settle(inFlight: InFlight, err: Error | undefined): void {
    if (this.#inFlight !== inFlight) return;
    clearTimeout(inFlight.timer);
    this.#inFlight = undefined;
    for (const waiter of inFlight.waiters) {
      if (err) waiter.reject(err);
      else waiter.resolve();
    }
    if (this.#queued.length > 0) this.#send();
  }
}

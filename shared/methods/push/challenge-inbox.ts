import type { Database, Queryable, Subscription } from '../../db/database.ts';

/** The channel a user's new PUSH challenge or removed device is announced on (payload: `[tenant, sub]`). */
const PUSH_CHANNEL = 'push_challenges';

const keyOf = (tenantId: string, sub: string) => JSON.stringify([tenantId, sub]);

/**
 * Announces that the user's challenges or devices changed (a new challenge, a removed device):
 * their devices re-read. Call it in the transaction of the change (sent on commit).
 */
export async function announceChallenge(tx: Queryable, tenantId: string, sub: string): Promise<void> {
  const { channel, payload } = challengeAnnouncement(tenantId, sub);
  await tx.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** The NOTIFY {@link announceChallenge} sends, for a statement that sends it along with other work. */
export function challengeAnnouncement(tenantId: string, sub: string): { channel: string; payload: string } {
  return { channel: PUSH_CHANNEL, payload: keyOf(tenantId, sub) };
}

/**
 * Wakes this process's waiting devices (long polls, WebSockets) when a challenge is created for
 * their user, on any instance: one LISTEN per process, fanned out in memory. After the listener
 * reconnects every waiter is woken, so a device re-reads what it may have missed.
 */
export class ChallengeInbox {
  #waiters = new Map<string, Set<() => void>>();
  #subscription: Promise<Subscription> | undefined;

  constructor(private readonly db: Database) {}

  /** Starts listening (idempotent); resolves once the LISTEN is in place. */
  async start(): Promise<void> {
    // A failed LISTEN is not kept: the next request tries again.
    this.#subscription ??= this.db
      .listen(
        PUSH_CHANNEL,
        (payload) => this.#wake(payload),
        () => this.#wakeAll(),
      )
      .catch((err: unknown) => {
        this.#subscription = undefined;
        throw err;
      });
    await this.#subscription;
  }

  /**
   * Calls `onChallenge` whenever a challenge for the user is announced, until the returned
   * function is called.
   */
  watch(tenantId: string, sub: string, onChallenge: () => void): () => void {
    const key = keyOf(tenantId, sub);
    let set = this.#waiters.get(key);
    if (!set) this.#waiters.set(key, (set = new Set()));
    set.add(onChallenge);
    return () => {
      set.delete(onChallenge);
      if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
    };
  }

  async close(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await (await subscription)?.close();
  }

  #wake(payload: string): void {
    for (const waiter of this.#waiters.get(payload) ?? []) waiter();
  }

  #wakeAll(): void {
    for (const set of this.#waiters.values()) for (const waiter of set) waiter();
  }
}

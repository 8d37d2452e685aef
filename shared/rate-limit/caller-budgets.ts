import type { VerificationError } from '../errors/verification-error.ts';
import { rateLimited } from './rate-limited.ts';
import { TokenBucket } from './token-bucket.ts';

/** Whose budget a request spends: one user of one tenant (a token's `tid` and `sub`). */
export interface Caller {
  tenantId: string;
  sub: string;
}

/**
 * A bucket refills from empty to full in a minute (burst = a minute's allowance), so one left
 * alone that long is exactly a new one: dropping it changes no decision.
 */
const REFILL_MS = 60_000;

/**
 * A caller seen again within this long keeps its place in the recency order (its `lastSeen`
 * still moves): re-inserting on every request is a measurable part of a cheap read, and an
 * order out by at most a second only delays forgetting an idle caller by as much.
 */
const REORDER_AFTER_MS = 1_000;

/** Length-prefixed, so tenant and user names cannot run into each other; cheaper than JSON. */
function callerKey({ tenantId, sub }: Caller): string {
  return `${tenantId.length}:${tenantId}${sub}`;
}

/** Callers kept at most, whatever happens: bounds the memory of a flood of distinct callers. */
export const MAX_CALLERS = 100_000;

interface Entry {
  bucket: TokenBucket;
  lastSeen: number;
  /** When it was last put at the end of the map. */
  movedAt: number;
}

/**
 * Each caller's budget of requests to the authenticated endpoints that have no limit of their
 * own (devices, activity, audit, webhooks): `perMinute` on average, in bursts of up to as many,
 * so a page that polls every few seconds never notices it while a flood is cut off.
 *
 * Kept in this process, not in PostgreSQL like the initiation limit: these endpoints are cheap
 * reads a profile page polls, and a counter row written per request would double their cost
 * and make the limit itself a write load on the database. The price is that the budget is per
 * instance: behind a load balancer with n instances a caller gets at most n × `perMinute`,
 * still a bound. Only callers seen within the last minute are kept (and never more than
 * `maxCallers`: past that, the least recently seen are forgotten first).
 */
export class CallerBudgets {
  readonly #buckets = new Map<string, Entry>();

  /**
   * @param perMinute requests per caller per minute; 0 switches the budget off
   * @param now the clock in milliseconds (the service's clock, so tests can move it)
   */
  constructor(
    readonly perMinute: number,
    private readonly now: () => number,
    private readonly maxCallers = MAX_CALLERS,
  ) {}

  /** Spends one request of `caller`'s budget: nothing when it is allowed, else the 429 to answer. */
  spend(caller: Caller): VerificationError | undefined {
    if (this.perMinute === 0) return undefined;
    const now = this.now();
    const key = callerKey(caller);
    let entry = this.#buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.perMinute / 60, this.perMinute, this.now), lastSeen: now, movedAt: now };
      this.#buckets.set(key, entry);
      this.#forgetIdle(now);
    } else if (now - entry.movedAt >= REORDER_AFTER_MS || now < entry.movedAt) {
      // Moved to the end, so the map runs from the least to the most recently seen.
      this.#buckets.delete(key);
      this.#buckets.set(key, entry);
      entry.movedAt = now;
      entry.lastSeen = now;
      this.#forgetIdle(now);
    } else {
      entry.lastSeen = now;
    }
    if (entry.bucket.take()) return undefined;
    return rateLimited(`at most ${this.perMinute} requests per minute`, entry.bucket.msUntilToken() / 1000);
  }

  /** How many callers' budgets are kept. */
  get size(): number {
    return this.#buckets.size;
  }

  #forgetIdle(now: number): void {
    for (const [key, entry] of this.#buckets) {
      if (this.#buckets.size <= this.maxCallers && now - entry.lastSeen < REFILL_MS) return;
      this.#buckets.delete(key);
    }
  }
}

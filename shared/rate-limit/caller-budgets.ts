import type { VerificationError } from '../errors/verification-error.ts';
import { rateLimitKey } from './fixed-window.ts';
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

/** Callers kept at most, whatever happens: bounds the memory of a flood of distinct callers. */
export const MAX_CALLERS = 100_000;

interface Entry {
  bucket: TokenBucket;
  lastSeen: number;
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
    const key = rateLimitKey('requests', caller.tenantId, caller.sub);
    const entry = this.#buckets.get(key) ?? { bucket: new TokenBucket(this.perMinute / 60, this.perMinute, this.now), lastSeen: now };
    // Re-inserted on every request, so the map runs from the least to the most recently seen.
    this.#buckets.delete(key);
    entry.lastSeen = now;
    this.#buckets.set(key, entry);
    this.#forgetIdle(now);
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

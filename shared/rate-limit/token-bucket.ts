/**
 * An in-memory token bucket: `ratePerSecond` tokens a second on average, at most `burst` at
 * once. For limits of one connection or process; limits that must hold across instances live
 * in PostgreSQL (see fixed-window.ts).
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  /** @param now a clock in milliseconds (monotonic by default; one that steps back refills nothing) */
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /** Takes one token; false when none is left (the caller refuses the action). */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take()` would succeed (0: it would now). */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.ratePerSecond) * 1000;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + (Math.max(0, now - this.#updatedAt) / 1000) * this.ratePerSecond);
    this.#updatedAt = now;
  }
}

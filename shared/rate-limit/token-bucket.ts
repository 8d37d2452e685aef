/**
 * An in-memory token bucket: `ratePerSecond` tokens a second on average, at most `burst` at
 * once. For limits of one connection or process; limits that must hold across instances live
 * in PostgreSQL (see fixed-window.ts).
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  /** @param now a monotonic clock in milliseconds */
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
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.ratePerSecond);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

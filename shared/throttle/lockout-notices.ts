/**
 * The lockouts this process has already reported a refused attempt of, by subject and the
 * lockout's end. A locked user (or whoever holds their token) can keep sending codes; each is
 * refused without a look at the code, and recording each as `authentication.throttled` would
 * turn a flood into as many audit rows and webhook deliveries (one per endpoint) for nothing
 * new. The first refusal of a lockout is recorded, the rest are not; a new lockout (another
 * end) is recorded again. Per process: behind n instances a lockout is reported at most n times.
 */
export class LockoutNotices {
  readonly #reported = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  /** Whether this refusal is the first this process sees of the lockout that ends at `lockedUntil`. */
  firstRefusal(subjectKey: string, lockedUntil: Date, now: Date): boolean {
    const until = lockedUntil.getTime();
    if (this.#reported.get(subjectKey) === until) return false;
    this.#reported.set(subjectKey, until);
    if (this.#reported.size > this.maxEntries) this.#forgetEnded(now.getTime());
    return true;
  }

  /** Drops lockouts that have ended; if all are live, the oldest reported (at worst one more event). */
  #forgetEnded(nowMs: number): void {
    for (const [key, until] of this.#reported) if (until <= nowMs) this.#reported.delete(key);
    while (this.#reported.size > this.maxEntries) this.#reported.delete(this.#reported.keys().next().value!);
  }
}

/** A clock tests move by hand, so expiry and TOTP steps are tested without sleeping. */
export class TestClock {
  #offsetMs = 0;
  /** Set while frozen: the instant now() keeps answering. */
  #frozenAt: number | undefined;

  now(): Date {
    return new Date(this.#frozenAt ?? Date.now() + this.#offsetMs);
  }

  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offsetMs += ms;
  }

  /** Moves so that now() is `at` (time keeps running from there unless frozen). */
  set(at: Date): void {
    if (this.#frozenAt !== undefined) this.#frozenAt = at.getTime();
    else this.#offsetMs = at.getTime() - Date.now();
  }

  /**
   * Stops time at the current instant until `resume()`, for tests whose outcome must not depend
   * on how long requests take (a backoff of a few seconds on a loaded machine).
   */
  freeze(): void {
    this.#frozenAt ??= this.now().getTime();
  }

  /** Lets time run again from the frozen instant. */
  resume(): void {
    if (this.#frozenAt === undefined) return;
    this.#offsetMs = this.#frozenAt - Date.now();
    this.#frozenAt = undefined;
  }
}

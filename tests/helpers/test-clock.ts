/** A clock tests move by hand, so expiry and TOTP steps are tested without sleeping. */
export class TestClock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  /** Moves so that now() is `at` (time keeps running from there). */
  set(at: Date): void {
    this.#offsetMs = at.getTime() - Date.now();
  }
}

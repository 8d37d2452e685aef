import type { Principal } from './principal.ts';

interface Entry {
  principal: Principal;
  /** The token's `exp`, in seconds. */
  exp: number;
  /** When this entry stops being used (ms), whatever `exp` says. */
  until: number;
}

/**
 * Bearer tokens this process verified recently, by the exact text of the Authorization header
 * that carried them (the signature included), so a client sending the same header again (a
 * profile page polling, listing, enrolling) costs a map lookup instead of parsing and a
 * signature check. A token is never taken from here past its `exp` (with
 * the same clock tolerance), nor longer than `ttlMs` after it was verified, so a key withdrawn
 * from the JWKS stops being honoured within that time; a different signature is a different
 * text, so nothing unverified ever matches. Failures are not kept.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly clockSkewS: number,
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 60_000,
  ) {}

  get(token: string, nowMs: number): Principal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (nowMs >= entry.until || nowMs / 1000 >= entry.exp + this.clockSkewS) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, exp: number, nowMs: number): void {
    this.#entries.set(token, { principal, exp, until: nowMs + this.ttlMs });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

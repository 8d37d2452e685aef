import { timingSafeEqual } from 'node:crypto';

/**
 * The challenge of the options bound to one exchange, and the way to spend it. Verification
 * calls `consume` once, last, and only for a response that passed every other check: a forged
 * or tampered response never burns the user's ceremony, and of two copies of a valid response
 * exactly one gets through.
 *
 * @example A method module backs `consume` with one conditional update of its exchange row:
 * ```ts
 * const challenge: ExpectedChallenge = {
 *   value: exchange.challenge,
 *   consume: async () =>
 *     (await tx.query('UPDATE webauthn_challenges SET used_at = now() WHERE exchange_id = $1 AND used_at IS NULL', [id])).rowCount === 1,
 * };
 * ```
 */
export interface ExpectedChallenge {
  /** The base64url `challenge` of the options sent for this exchange. */
  value: string;
  /** Marks the challenge used; `false` when it already was (a replay, or a racing copy). */
  consume(): Promise<boolean>;
}

/** Compares the challenge a response signed with the expected one, in constant time. */
export function challengeMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

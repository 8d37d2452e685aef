/**
 * How wrong sign-in codes slow an attacker down, counted per user and tenant:
 * the first FREE_FAILURES cost nothing (people mistype), each further one doubles a wait
 * starting at BASE_DELAY_S, and from LOCKOUT_FAILURES on every failure locks for LOCKOUT_S.
 * A lock ends by itself; a correct code resets the count.
 *
 * With ±1 step a guess hits one of 3 codes in 10^6: 10 tries per 15 minutes allow ~1,000 a
 * day, a 0.3 % chance per day of breaking a 6-digit factor, while a user who mistypes twice
 * never notices.
 */
export const THROTTLE_POLICY = {
  FREE_FAILURES: 3,
  BASE_DELAY_S: 2,
  LOCKOUT_FAILURES: 10,
  LOCKOUT_S: 15 * 60,
} as const;

/** When the user may try again after their `failures`-th consecutive wrong code (null: at once). */
export function lockedUntilAfter(failures: number, now: Date, policy = THROTTLE_POLICY): Date | null {
  if (failures <= policy.FREE_FAILURES) return null;
  const seconds =
    failures >= policy.LOCKOUT_FAILURES
      ? policy.LOCKOUT_S
      : Math.min(policy.BASE_DELAY_S * 2 ** (failures - policy.FREE_FAILURES - 1), policy.LOCKOUT_S);
  return new Date(now.getTime() + seconds * 1000);
}

/** Whether the `failures`-th consecutive wrong code locks sign-in for the full lockout period. */
export function startsLockout(failures: number, policy = THROTTLE_POLICY): boolean {
  return failures >= policy.LOCKOUT_FAILURES;
}

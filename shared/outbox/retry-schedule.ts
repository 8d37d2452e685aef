/** Each delay is spread by ±20 % so rows that failed together do not retry together. */
const JITTER = 0.2;

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` failed, or undefined when the
 * schedule is spent and the row is to be given up.
 *
 * @example
 * ```ts
 * nextRetryDelay([5_000, 300_000], 1, 1); // ≈ 5 s (4–6 s)
 * nextRetryDelay([5_000, 300_000], 3, 1); // undefined: give up
 * ```
 */
export function nextRetryDelay(schedule: readonly number[], attempt: number, scale: number, random: () => number = Math.random): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * scale * (1 + JITTER * (2 * random() - 1))));
}

/** DESIGN §17: the webhook schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h). */
export const WEBHOOK_RETRY_SCHEDULE: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 86_400_000];

/**
 * Codes live 10 minutes: retrying a message later than a few minutes would deliver a dead code.
 * 2 s, 10 s, 30 s, 1 min, 2 min: six attempts within about 4 minutes.
 */
export const MESSAGE_RETRY_SCHEDULE: readonly number[] = [2_000, 10_000, 30_000, 60_000, 120_000];

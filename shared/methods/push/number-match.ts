import { randomInt, timingSafeEqual } from 'node:crypto';

/** A fresh two-digit number for the sign-in screen (00–99, from the CSPRNG). */
export function drawNumber(): string {
  return String(randomInt(0, 100)).padStart(2, '0');
}

/** Whether the number the user typed on the device is the one shown, compared in constant time. */
export function numbersMatch(shown: string, typed: string | undefined): boolean {
  if (typed === undefined || typed.length !== shown.length) return false;
  return timingSafeEqual(Buffer.from(shown), Buffer.from(typed));
}

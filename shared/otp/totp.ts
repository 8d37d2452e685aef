import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret } from 'otpauth';

/** HMAC hash functions RFC 6238 allows. */
export type HashAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** The parameters an authenticator app and the server must agree on. */
export interface TotpParams {
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
}

/** The parameters plus the window a verifier accepts, fixed for an authenticator when it is enrolled. */
export interface CodeParams extends TotpParams {
  /** Steps accepted on each side of the current one. */
  window: number;
}

/** How far from the current step a code may be, and which steps were already used. */
export interface MatchOptions {
  /** Steps accepted on each side of the current one (RFC 6238 §5.2 clock drift). */
  window: number;
  /** only steps strictly greater than this are accepted (replay protection) */
  afterStep?: number | null;
}

// Dynamic truncation yields a 31-bit number, so more than 10 digits adds only leading zeros.
const MAX_DIGITS = 10;

function assertParams({ digits, period }: TotpParams): void {
  if (!Number.isInteger(digits) || digits < 1 || digits > MAX_DIGITS) {
    throw new RangeError(`digits must be an integer from 1 to ${MAX_DIGITS}`);
  }
  if (!Number.isInteger(period) || period < 1) throw new RangeError('period must be a positive integer');
}

function codeAtStep(secret: Secret, params: TotpParams, step: number): string {
  return HOTP.generate({ secret, algorithm: params.algorithm, digits: params.digits, counter: step });
}

/**
 * The step number (floor(timeMs/1000/period)).
 *
 * @example
 * ```ts
 * stepAt(59_000, 30); // 1
 * ```
 */
export function stepAt(timeMs: number, period: number): number {
  return Math.floor(timeMs / 1000 / period);
}

/**
 * The RFC 6238 code for the step containing timeMs.
 *
 * @example
 * ```ts
 * generateCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', { algorithm: 'SHA1', digits: 8, period: 30 }, 59_000); // '94287082'
 * ```
 */
export function generateCode(secretBase32: string, params: TotpParams, timeMs: number): string {
  assertParams(params);
  return codeAtStep(Secret.fromBase32(secretBase32), params, stepAt(timeMs, params.period));
}

/**
 * Returns the matched step, or null. Compares with crypto.timingSafeEqual against EVERY candidate
 * step in [now-window, now+window] (no early exit, fixed work) so timing leaks nothing. Codes that
 * are not exactly `digits` ASCII digits return null without throwing.
 *
 * When several candidates match, the greatest step above `afterStep` wins, so a code reused
 * within the window is refused while a fresh one is still accepted.
 *
 * @example
 * ```ts
 * const step = matchCode(secret, '123456', params, Date.now(), { window: 1, afterStep: lastUsedStep });
 * if (step === null) refuse(); else storeLastUsedStep(step);
 * ```
 */
export function matchCode(
  secretBase32: string,
  code: string,
  params: TotpParams,
  nowMs: number,
  options: MatchOptions,
): number | null {
  assertParams(params);
  if (!Number.isInteger(options.window) || options.window < 0) {
    throw new RangeError('window must be a non-negative integer');
  }
  if (typeof code !== 'string' || code.length !== params.digits || !/^[0-9]+$/.test(code)) return null;

  const secret = Secret.fromBase32(secretBase32);
  const given = Buffer.from(code, 'ascii');
  const now = stepAt(nowMs, params.period);
  const afterStep = options.afterStep ?? -Infinity;
  // Counters are unsigned (RFC 4226), so there is nothing before step 0 to compare.
  const first = Math.max(0, now - options.window);
  let matched: number | null = null;
  for (let step = first; step <= now + options.window; step++) {
    const equal = timingSafeEqual(given, Buffer.from(codeAtStep(secret, params, step), 'ascii'));
    if (equal && step > afterStep) matched = step;
  }
  return matched;
}

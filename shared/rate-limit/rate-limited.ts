import { VerificationError } from '../errors/verification-error.ts';

/**
 * The 429 `RATE_LIMITED` (VER_0050) every request-rate limit answers: `limit` says which
 * ("at most 10 initiations per minute"), and `Retry-After` (also `retry_after` in the body)
 * when to come back.
 */
export function rateLimited(limit: string, retryAfterSeconds: number): VerificationError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new VerificationError('RATE_LIMITED', `${limit}; try again in ${seconds} s`, { retryAfterS: seconds });
}

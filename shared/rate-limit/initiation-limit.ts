import type { Queryable } from '../db/database.ts';
import type { VerificationError } from '../errors/verification-error.ts';
import { consume, rateLimitKey } from './fixed-window.ts';
import { rateLimited } from './rate-limited.ts';

/** The window `INITIATION_RATE_LIMIT` counts in. */
export const INITIATION_WINDOW_SECONDS = 60;

export interface InitiationLimit {
  tenantId: string;
  sub: string;
  /** Initiations allowed per user and tenant per minute; 0 switches the limit off. */
  limit: number;
  now: Date;
}

/**
 * Counts one initiation of the user (an enrollment, a rotation, or a sign-in challenge of any
 * method: they share one allowance) and refuses it once the user has had `limit` in the
 * current minute. Call it before the work it guards, outside its transaction, so refused and
 * failing attempts count too. One statement on the hot path.
 *
 * @throws VerificationError RATE_LIMITED, with `Retry-After`
 */
export async function enforceInitiationLimit(q: Queryable, request: InitiationLimit): Promise<void> {
  const refusal = await countInitiation(q, request);
  if (refusal) throw refusal;
}

/**
 * Counts one initiation like enforceInitiationLimit and returns the refusal instead of throwing
 * it: for a caller that counts inside its own transaction and commits the count whatever the
 * outcome (failAfterCommit), so refused and failing attempts count too in one round trip less.
 */
export async function countInitiation(q: Queryable, { tenantId, sub, limit, now }: InitiationLimit): Promise<VerificationError | undefined> {
  if (limit === 0) return undefined;
  const decision = await consume(q, rateLimitKey('initiation', tenantId, sub), limit, INITIATION_WINDOW_SECONDS, now);
  if (decision.allowed) return undefined;
  return rateLimited(`at most ${limit} initiations per minute`, decision.retryAfterSeconds);
}

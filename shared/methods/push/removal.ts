import type { Authenticator } from '../../authenticators/authenticator.ts';
import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import type { Queryable } from '../../db/database.ts';
import type { TransitionContext } from '../../exchanges/exchange-access.ts';
import { announceChallenge } from './challenge-inbox.ts';
import { cancelPendingChallenges, lockUserPush } from './fatigue.ts';

/**
 * A PUSH device is being removed (in the removal's transaction, before its row goes): when no
 * other device of the user remains, the user's waiting challenges can never be answered, so they
 * are cancelled, announced and recorded (the sign-in page and status pollers see CANCELLED at once). The
 * user's devices are then woken, so the removed one's feed and long poll end now rather than at
 * the next challenge.
 *
 * The user's PUSH lock serializes this with initiations and answers: a challenge started
 * concurrently either is cancelled here or sees no device left (initiate re-checks under the
 * lock), and an answer from the removed device either lands before the removal or is refused.
 */
export async function removingDevice(tx: Queryable, removed: Authenticator, at: TransitionContext): Promise<void> {
  const { tenantId, sub } = removed;
  await lockUserPush(tx, tenantId, sub);
  const remaining = (await listAuthenticators(tx, tenantId, sub, 'PUSH')).filter((device) => device.phId !== removed.phId);
  if (remaining.length === 0) await cancelPendingChallenges(tx, tenantId, sub, at);
  await announceChallenge(tx, tenantId, sub);
}

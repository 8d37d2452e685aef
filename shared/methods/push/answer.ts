import type { Database } from '../../db/database.ts';
import { runOutcome, succeed } from '../../db/outcome.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import { lockForEvent, transition } from '../../exchanges/exchange-access.ts';
import { openSecret, type SecretKeyring } from '../../otp/index.ts';
import { secretBinding } from '../../authenticators/secret-binding.ts';
import type { SecurityEventRecorder } from '../../security-events/index.ts';
import type { DenialReason } from '../../security-events/security-event.ts';
import { answerPayload } from './bodies.ts';
import { findSigner, isCurrent } from './device-token.ts';
import { afterDenial, lockUserPush } from './fatigue.ts';
import { numbersMatch } from './number-match.ts';
import { findPushDevice } from './push-repository.ts';

export interface AnswerDeps {
  db: Database;
  keyring: SecretKeyring;
  events: SecurityEventRecorder;
  now: Date;
}

/** What the device is told about its answer. */
export interface AnswerResult {
  status: 'AUTHENTICATED' | 'DENIED';
  status_id: string;
  /** Why a challenge was denied: the user's deny, a wrong number, or a fraud report. */
  reason?: DenialReason;
}

const refused = (detail: string) => new VerificationError('PUSH_RESPONSE_INVALID', detail);

/**
 * Applies a device's signed answer `{exchange_id, decision, number?, reason?, iat, exp}` to a
 * challenge of its own user: approve with the right number → AUTHENTICATED; deny, or a wrong
 * or missing number → DENIED (and the fatigue rules count it). The challenge is locked and moved
 * with the shared state machine, so of any number of answers exactly one decides and the
 * others get its 409.
 *
 * @throws VerificationError PUSH_RESPONSE_INVALID, CHALLENGE_NOT_FOUND and the challenge's 409s
 */
export async function answerChallenge(deps: AnswerDeps, response: string): Promise<AnswerResult> {
  const signer = await findSigner(deps.db, response);
  if (!signer) throw refused('the response is not signed by an enrolled device');
  const parsed = answerPayload.safeParse(signer.payload);
  if (!parsed.success) throw refused(`the response payload is invalid: ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
  if (!isCurrent(parsed.data, deps.now)) throw refused('the response has expired (or lives longer than 5 minutes)');
  const answer = parsed.data;
  const { device } = signer;
  const owner = { tenantId: device.tenantId, sub: device.sub };

  return runOutcome(deps.db, async (tx) => {
    await lockUserPush(tx, owner.tenantId, owner.sub);
    // Whether the signer is still enrolled is read here, under the lock, and only here (its key
    // may be remembered from an earlier request): a removal that committed has the last word.
    if (!(await findPushDevice(tx, device.phId))) throw refused('the response is not signed by an enrolled device');
    const ref = { kind: 'challenge', type: 'PUSH', exchangeId: answer.exchange_id } as const;
    const locked = await lockForEvent(tx, ref, answer.decision === 'approve' ? 'authenticate' : 'deny', deps, owner);
    if (!locked.ok) return locked;
    const challenge = locked.value;
    const subject = { ...owner, type: 'PUSH' as const, phId: device.phId, statusId: challenge.statusId };

    const shown = challenge.secret ? openSecret(deps.keyring, challenge.secret, secretBinding(owner.tenantId, owner.sub)) : undefined;
    const rightNumber = shown === undefined || numbersMatch(shown, answer.number);
    if (answer.decision === 'approve' && rightNumber) {
      const done = await transition(tx, challenge, 'authenticate', deps, { phId: device.phId }, [{ event: 'authentication.succeeded', ...subject }]);
      return succeed<AnswerResult>({ status: 'AUTHENTICATED', status_id: done.statusId });
    }
    const fraud = answer.reason === 'fraud';
    const reason: DenialReason = fraud ? 'fraud' : answer.decision === 'approve' ? 'wrong_number' : 'user_denied';
    const denied = await transition(tx, challenge, 'deny', deps, { phId: device.phId }, [{ event: 'authentication.denied', ...subject, reason }]);
    await afterDenial(tx, deps.events, owner, fraud, deps.now);
    return succeed<AnswerResult>({ status: 'DENIED', status_id: denied.statusId, reason });
  });
}

import type { Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { publishStatus } from '../events/status-events.ts';
import type { Enrollment } from './enrollment.ts';
import { applyTransition, findByExchangeId, isRetiredExchange, type TransitionChanges } from './enrollment-repository.ts';
import { canApply, refusal, type EnrollmentEvent } from './state-machine.ts';
import { failAfterCommit, succeed, type Outcome } from './outcome.ts';
import { toVersionedStatus } from './status-document.ts';

export interface Owner {
  tenantId: string;
  sub: string;
}

/**
 * Applies `event` if the enrollment still allows it and announces the new status in the same
 * transaction, so the NOTIFY is sent exactly when the change commits.
 *
 * @returns the updated enrollment, or undefined when another change won.
 */
export async function applyAndAnnounce(
  tx: Queryable,
  statusId: string,
  event: EnrollmentEvent,
  now: Date,
  changes?: TransitionChanges,
): Promise<Enrollment | undefined> {
  const updated = await applyTransition(tx, statusId, event, now, changes);
  if (updated) await publishStatus(tx, toVersionedStatus(updated));
  return updated;
}

/** Like applyAndAnnounce for an enrollment the caller's transaction has locked; refused if it cannot apply. */
export async function transition(
  tx: Queryable,
  enrollment: Enrollment,
  event: EnrollmentEvent,
  now: Date,
  changes?: TransitionChanges,
): Promise<Enrollment> {
  const updated = await applyAndAnnounce(tx, enrollment.statusId, event, now, changes);
  if (!updated) throw refusal(event, enrollment.status);
  return updated;
}

/**
 * Locks the enrollment an exchange id names, ready for `event`. An exchange whose lifetime has
 * ended is moved to EXPIRED on the spot (committed) and refused; one belonging to another user
 * is reported as unknown, so exchange ids cannot be probed across users.
 */
export async function lockForEvent(
  tx: Queryable,
  exchangeId: string,
  event: EnrollmentEvent,
  now: Date,
  owner?: Owner,
): Promise<Outcome<Enrollment>> {
  const enrollment = await findByExchangeId(tx, exchangeId, true);
  if (!enrollment || (owner && (enrollment.tenantId !== owner.tenantId || enrollment.sub !== owner.sub))) {
    if (!enrollment && (await isRetiredExchange(tx, exchangeId))) return failAfterCommit(new VerificationError('EXCHANGE_REPLACED'));
    return failAfterCommit(new VerificationError('ENROLLMENT_NOT_FOUND', 'no enrollment has this exchange id'));
  }
  if (canApply('expire', enrollment.status) && enrollment.expiresAt <= now) {
    await transition(tx, enrollment, 'expire', now);
    return failAfterCommit(new VerificationError('ENROLLMENT_EXPIRED'));
  }
  if (!canApply(event, enrollment.status)) return failAfterCommit(refusal(event, enrollment.status));
  return succeed(enrollment);
}

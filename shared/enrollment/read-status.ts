import type { Database } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { findByStatusId } from './enrollment-repository.ts';
import { applyAndAnnounce } from './exchange-access.ts';
import { canApply } from './state-machine.ts';
import { toVersionedStatus, type VersionedStatus } from './status-document.ts';

/** What a read of a status id no enrollment has throws. */
export function statusNotFound(): VerificationError {
  return new VerificationError('ENROLLMENT_NOT_FOUND', 'no enrollment has this status id');
}

/**
 * The current status of an enrollment. A live one whose lifetime ended is moved to EXPIRED
 * first, so a reader never sees INITIATED after the exchange stopped working.
 *
 * @throws VerificationError ENROLLMENT_NOT_FOUND
 */
export async function readStatus(db: Database, statusId: string, now: Date): Promise<VersionedStatus> {
  const enrollment = await findByStatusId(db, statusId);
  if (!enrollment) throw statusNotFound();
  if (!canApply('expire', enrollment.status) || enrollment.expiresAt > now) return toVersionedStatus(enrollment);
  const expired = await db.transaction((tx) => applyAndAnnounce(tx, statusId, 'expire', now));
  // Losing the race to another expirer (or a completion) is fine: read what won.
  return toVersionedStatus(expired ?? (await findByStatusId(db, statusId))!);
}

import type { Database } from '../db/database.ts';
import { hasLapsed, statusNotFound, type VersionedStatus } from '../status/status-document.ts';
import { applyAndAnnounce, type TransitionContext } from './exchange-access.ts';
import { findByStatusId } from './exchange-repository.ts';
import { toVersionedStatus } from './status-document.ts';

/**
 * The current status of an enrollment or sign-in challenge. A live one whose lifetime ended is
 * moved to EXPIRED first, so a reader never sees INITIATED after the exchange stopped working.
 * The status hub reads through this (StatusLoader), with the deps' recorder: a watcher is not
 * the cause of an expiry, so no request is named.
 *
 * @throws VerificationError ENROLLMENT_NOT_FOUND
 */
export async function readStatus(db: Database, statusId: string, at: TransitionContext): Promise<VersionedStatus> {
  const exchange = await findByStatusId(db, statusId);
  if (!exchange) throw statusNotFound();
  if (!hasLapsed(exchange.status, exchange.expiresAt, at.now)) return toVersionedStatus(exchange);
  const expired = await db.transaction((tx) => applyAndAnnounce(tx, exchange.kind, statusId, 'expire', at));
  // Losing the race to another expirer (or a completion) is fine: read what won.
  return toVersionedStatus(expired ?? (await findByStatusId(db, statusId))!);
}

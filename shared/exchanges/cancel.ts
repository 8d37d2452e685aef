import type { Database } from '../db/database.ts';
import { runOutcome, succeed } from '../db/outcome.ts';
import type { StatusDocument } from '../status/status-document.ts';
import type { ExchangeKind, ExchangeRef, Owner } from './exchange.ts';
import { lockForEvent, transition, type TransitionContext } from './exchange-access.ts';
import { toStatusDocument } from './status-document.ts';

/**
 * The user abandons an enrollment or a sign-in challenge of theirs: its secret is erased and
 * watchers see CANCELLED. Any method's exchange cancels the same way.
 *
 * @throws VerificationError ENROLLMENT_NOT_FOUND / CHALLENGE_NOT_FOUND, or the 409 of a finished exchange
 */
export function cancelExchange<K extends ExchangeKind>(db: Database, ref: ExchangeRef<K>, owner: Owner, at: TransitionContext): Promise<StatusDocument> {
  return runOutcome(db, async (tx) => {
    const locked = await lockForEvent(tx, ref, 'cancel', at, owner);
    if (!locked.ok) return locked;
    return succeed(toStatusDocument(await transition(tx, locked.value, 'cancel', at)));
  });
}

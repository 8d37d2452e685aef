import type { Database } from '../db/database.ts';
import { lockForEvent, transition, type Owner } from './exchange-access.ts';
import { runOutcome, succeed } from './outcome.ts';
import { toStatusDocument, type StatusDocument } from './status-document.ts';

/** The user abandons an enrollment; its secret is erased and watchers see CANCELLED. */
export function cancelEnrollment(db: Database, exchangeId: string, owner: Owner, now: Date): Promise<StatusDocument> {
  return runOutcome(db, async (tx) => {
    const locked = await lockForEvent(tx, exchangeId, 'cancel', now, owner);
    if (!locked.ok) return locked;
    return succeed(toStatusDocument(await transition(tx, locked.value, 'cancel', now)));
  });
}

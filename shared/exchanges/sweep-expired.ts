import type { Database } from '../db/database.ts';
import { announceTransition, type TransitionContext } from './exchange-access.ts';
import { expireDue } from './exchange-repository.ts';

/**
 * Expires every live exchange (enrollment or sign-in challenge) past its lifetime, in batches,
 * announcing and recording each in the batch's transaction (so none is expired unrecorded).
 * Reads expire lazily too; the sweep makes watchers hear about it and erases dead secrets.
 * `at.events` is the deps' recorder as it is: no request caused it.
 *
 * @returns how many exchanges expired.
 */
export async function sweepExpired(db: Database, at: TransitionContext, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await db.transaction(async (tx) => {
      const rows = await expireDue(tx, at.now, batchSize);
      for (const e of rows) await announceTransition(tx, e, 'expire', at);
      return rows.length;
    });
    total += expired;
    if (expired < batchSize) return total;
  }
}

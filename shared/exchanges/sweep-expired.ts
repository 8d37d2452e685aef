import type { Database } from '../db/database.ts';
import { publishStatus } from '../events/status-events.ts';
import { expireDue } from './exchange-repository.ts';
import { toVersionedStatus } from './status-document.ts';

/**
 * Expires every live exchange (enrollment or sign-in challenge) past its lifetime, in batches,
 * announcing each. Reads expire lazily too; the sweep makes watchers hear about it and erases
 * dead secrets.
 *
 * @returns how many exchanges expired.
 */
export async function sweepExpired(db: Database, now: Date, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await db.transaction(async (tx) => {
      const rows = await expireDue(tx, now, batchSize);
      for (const e of rows) await publishStatus(tx, toVersionedStatus(e));
      return rows.length;
    });
    total += expired;
    if (expired < batchSize) return total;
  }
}

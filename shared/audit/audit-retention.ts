import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../clock/clock.ts';
import { startPeriodicTask, type PeriodicTask } from '../clock/periodic-task.ts';
import { cutChain, retentionFloor, tenantsWithRowsBefore } from './audit-repository.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const TENANTS_PER_PASS = 100;

/**
 * Deletes audit rows older than `retentionDays` (AUDIT_RETENTION_DAYS), and never younger than
 * the database's own floor (`audit_policy`, enforced on every delete whatever the service is
 * configured with): tenant by tenant, from the start of each chain, in batches of `batchSize`,
 * each a short transaction holding the tenant's head. Each batch first moves the tenant's
 * checkpoint to its last row, carrying that row's hash, so the rest of the chain still
 * verifies. Safe on any number of instances. Returns how many rows were deleted.
 */
export async function purgeAuditTrail(db: Database, now: Date, retentionDays: number, batchSize = 500): Promise<number> {
  const wanted = new Date(now.getTime() - retentionDays * DAY_MS);
  const floor = await retentionFloor(db);
  const before = floor && floor < wanted ? floor : wanted;
  let total = 0;
  for (;;) {
    const tenants = await tenantsWithRowsBefore(db, before, TENANTS_PER_PASS);
    let deleted = 0;
    for (const tenantId of tenants) deleted += await cutChain(db, tenantId, before, batchSize);
    total += deleted;
    if (deleted === 0) return total;
  }
}

/** Runs purgeAuditTrail every `intervalMs` (hourly by default) until closed. */
export function startAuditRetention(deps: { db: Database; log: Logger; clock: Clock }, retentionDays: number, intervalMs = 60 * 60 * 1000): PeriodicTask {
  return startPeriodicTask(intervalMs, () =>
    purgeAuditTrail(deps.db, deps.clock(), retentionDays).then(
      (deleted) => {
        if (deleted > 0) deps.log.info({ deleted }, 'audit rows past retention deleted');
      },
      (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'audit retention sweep failed'),
    ),
  );
}

import type { Clock } from '../clock/clock.ts';
import { startPeriodicTask, type PeriodicTask } from '../clock/periodic-task.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { purgeExpiredRecords } from './purge.ts';

/** Runs purgeExpiredRecords every `intervalMs` (hourly by default) until closed. */
export function startRetentionSweeper(deps: { db: Database; log: Logger; clock: Clock }, retentionDays: number, intervalMs = 60 * 60 * 1000): PeriodicTask {
  return startPeriodicTask(intervalMs, () =>
    purgeExpiredRecords(deps.db, deps.clock(), retentionDays).then(
      (counts) => {
        if (counts.exchanges + counts.retiredExchanges + counts.rateLimitWindows + counts.codeSends > 0) deps.log.info(counts, 'expired records purged');
      },
      (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'retention sweep failed'),
    ),
  );
}

import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../clock/clock.ts';
import { purgeExpiredRecords } from './purge.ts';

/** Runs purgeExpiredRecords every `intervalMs` (hourly by default) until closed. */
export function startRetentionSweeper(
  deps: { db: Database; log: Logger; clock: Clock },
  retentionDays: number,
  intervalMs = 60 * 60 * 1000,
): { close(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = purgeExpiredRecords(deps.db, deps.clock(), retentionDays).then(
      (counts) => {
        if (counts.exchanges + counts.retiredExchanges + counts.rateLimitWindows + counts.codeSends > 0) deps.log.info(counts, 'expired records purged');
      },
      (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'retention sweep failed'),
    );
  }, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

import type { Clock } from '../clock/clock.ts';
import { startPeriodicTask, type PeriodicTask } from '../clock/periodic-task.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import { sweepExpired } from './sweep-expired.ts';

/**
 * Runs sweepExpired every `intervalMs` until closed, recording each expiry with the deps'
 * recorder. Safe on any number of instances at once.
 */
export function startExpirySweeper(
  deps: { db: Database; log: Logger; clock: Clock; securityEvents: SecurityEventRecorder },
  intervalMs = 15_000,
): PeriodicTask {
  return startPeriodicTask(intervalMs, () =>
    sweepExpired(deps.db, { now: deps.clock(), events: deps.securityEvents }).then(
      (n) => void (n > 0 && deps.log.info({ expired: n }, 'expired exchanges swept')),
      (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'expiry sweep failed'),
    ),
  );
}

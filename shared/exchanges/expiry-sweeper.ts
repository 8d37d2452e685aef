import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../clock/clock.ts';
import { sweepExpired } from './sweep-expired.ts';

/** Runs sweepExpired every `intervalMs` until closed. Safe on any number of instances at once. */
export function startExpirySweeper(deps: { db: Database; log: Logger; clock: Clock }, intervalMs = 15_000): { close(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepExpired(deps.db, deps.clock()).then(
      (n) => n > 0 && deps.log.info({ expired: n }, 'expired exchanges swept'),
      (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'expiry sweep failed'),
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

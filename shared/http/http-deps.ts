import type { AppConfig } from '../config/env.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { HttpMetrics } from './metrics.ts';

/**
 * What the shared HTTP layer (the app, operator endpoints, middleware) needs of the process.
 * The runtime's `Deps` provides it; declared here so the HTTP layer does not depend on the
 * runtime that composes it.
 */
export interface HttpDeps {
  config: AppConfig;
  db: Database;
  log: Logger;
  metrics: HttpMetrics;
}

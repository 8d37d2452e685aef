import type { AppConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import type { Database } from './database.ts';
import { createEmbeddedDatabase } from './embedded.ts';
import { createPostgresDatabase } from './postgres.ts';

/** Opens the database the configuration names: `DATABASE_URL`, or the embedded default. */
export async function openDatabase(config: AppConfig['database'], log: Logger): Promise<Database> {
  if (config.url) {
    return createPostgresDatabase({ connectionString: config.url, maxConnections: config.poolSize, acquireTimeoutMs: config.acquireTimeoutMs, log });
  }
  // Warned once it is open, so a refusal (the folder is locked by another process) stays one line.
  const db = await createEmbeddedDatabase(config.dataDir);
  log.warn(
    { dataDir: config.dataDir },
    'DATABASE_URL is not set: using the embedded PostgreSQL (PGlite) for a single instance; set DATABASE_URL in production',
  );
  return db;
}

import { ConfigError } from '../config/env.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { PendingMigrationsError } from '../db/migrations.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';

/**
 * The one line to print for a failure an operator can fix (configuration, a locked data
 * folder, pending migrations, an unreachable database), or undefined for anything else, which
 * deserves the full error.
 */
export function operatorMessage(err: unknown): string | undefined {
  if (err instanceof ConfigError) return `configuration error: ${err.message}`;
  if (err instanceof PendingMigrationsError || err instanceof DataDirLockedError) return err.message;
  if (isDatabaseUnavailable(err)) return `cannot reach the database: ${err instanceof Error ? err.message : String(err)}`;
  return undefined;
}

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export type AppliedMigration = Awaited<ReturnType<typeof runner>>[number];
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
const MIGRATIONS_TABLE = 'pgmigrations';

export type MigrationDirection = 'up' | 'down';

/**
 * Applies (`up`) or rolls back (`down`, one step unless `count` says otherwise) migrations.
 * node-pg-migrate takes an advisory lock, so instances starting together do not race.
 */
export function migrate(db: Database, direction: MigrationDirection, count?: number): Promise<AppliedMigration[]> {
  return db.withClient((dbClient) =>
    runner({
      dbClient,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction,
      count: count ?? (direction === 'down' ? 1 : Infinity),
      log: () => undefined,
      // PGlite is a single session: there is nobody to lock against.
      noLock: db.kind === 'embedded',
    }),
  );
}

/** The database is behind this build, and the process was not asked to migrate it. */
export class PendingMigrationsError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database lacks ${pending.length} migration(s) of this build (${pending.join(', ')}): ` +
        'run `npm run migrate` first, or set MIGRATE_ON_START=true',
    );
    this.name = 'PendingMigrationsError';
  }
}

/** Names of the migrations shipped with this build, in order. */
export function shippedMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

/** Shipped migrations the database has not applied yet (all of them on an empty database). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const exists = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [MIGRATIONS_TABLE]);
  const applied = new Set<string>();
  if (exists.rows[0]?.present) {
    const rows = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    for (const row of rows.rows) applied.add(row.name);
  }
  return shippedMigrations().filter((name) => !applied.has(name));
}

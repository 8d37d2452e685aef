import pg from 'pg';
import { LISTENER_APPLICATION_NAME } from '../../shared/db/postgres-listener.ts';
import { ADMIN_URL } from './scratch-database.ts';

/** Polls `condition` every few milliseconds until it holds; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function asAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Kills every status listener connected to database `dbName` with `pg_terminate_backend`, as
 * a PostgreSQL restart or an operator would; returns how many it killed.
 */
export function killListeners(dbName: string): Promise<number> {
  return asAdmin(async (admin) => {
    const { rows } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2',
      [LISTENER_APPLICATION_NAME, dbName],
    );
    return rows.length;
  });
}

/**
 * Kills the listeners of `dbName` and keeps them from reconnecting until `during` has run:
 * new connections to the database are refused meanwhile, while connections already open (the
 * services' pools) keep working. So `during` runs with every listener certainly down.
 */
export async function withListenersDown<T>(dbName: string, during: () => Promise<T>): Promise<T> {
  await asAdmin((admin) => admin.query(`ALTER DATABASE ${pg.escapeIdentifier(dbName)} ALLOW_CONNECTIONS false`));
  try {
    await killListeners(dbName);
    return await during();
  } finally {
    await asAdmin((admin) => admin.query(`ALTER DATABASE ${pg.escapeIdentifier(dbName)} ALLOW_CONNECTIONS true`));
  }
}

import pg from 'pg';
import { ADMIN_URL } from './scratch-database.ts';

/** Fails the run at once, with the fix, when the test PostgreSQL is not reachable. */
export default async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`tests need PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL): ${(err as Error).message}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

import type { PoolClient } from 'pg';

/** BEGIN … COMMIT on one client, rolling back if `work` throws. */
export async function inTransaction<T>(client: PoolClient, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

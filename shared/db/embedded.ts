import pg from 'pg';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { Database, Queryable } from './database.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { inTransaction } from './transaction.ts';

/**
 * PGlite running in this process, for a first run and single-instance use. PGlite has one
 * session: its adapter gives the pool a single connection, so every query and transaction is
 * serialized (a second connection would hang while a transaction is open), and NOTIFY is
 * delivered through PGlite's own `listen()`.
 */
export async function createEmbeddedDatabase(dataDir: string): Promise<Database> {
  const unlock = lockDataDir(dataDir);
  let lite: PGlite;
  try {
    lite = await PGlite.create(join(dataDir, 'pglite'));
  } catch (err) {
    unlock();
    throw err;
  }
  const pool = new pg.Pool({ ...(createPgConfig(lite) as unknown as pg.PoolConfig), max: 1 });

  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  return {
    kind: 'embedded',
    query: (text, params) => pool.query(text, params),
    transaction: (work) => withClient((client) => inTransaction(client, (tx) => work(tx as Queryable))),
    withClient,
    async listen(channel, onMessage) {
      const unlisten = await lite.listen(channel, onMessage);
      return { close: () => unlisten() };
    },
    listenerState: () => (lite.closed ? 'closed' : 'connected'),
    // One in-process database: its notifications are the same whichever client sends them.
    queryOnListener: (text, params) => pool.query(text, params),
    async close() {
      await pool.end();
      await lite.close();
      unlock();
    },
  };
}

import pg from 'pg';
import type { Logger } from '../log/logger.ts';
import type { Database, Queryable } from './database.ts';
import { PostgresListener } from './postgres-listener.ts';
import { inTransaction } from './transaction.ts';

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
  /**
   * How long a query waits for a pooled connection (or for a new one to connect) before it
   * fails as unavailable: under overload requests get a quick 503 instead of queueing forever.
   */
  acquireTimeoutMs?: number;
  log: Logger;
}

/** A PostgreSQL server reached through a `pg` pool plus one dedicated LISTEN connection. */
export function createPostgresDatabase({ connectionString, maxConnections = 10, acquireTimeoutMs = 5_000, log }: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: acquireTimeoutMs,
    application_name: 'verification',
  });
  // An idle client dying (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'));
  const listener = new PostgresListener(connectionString, log);

  return {
    kind: 'postgres',
    query: (text, params) => pool.query(text, params),
    async transaction(work) {
      const client = await pool.connect();
      try {
        return await inTransaction(client, (tx) => work(tx as Queryable));
      } finally {
        client.release();
      }
    },
    async withClient(work) {
      const client = await pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    },
    async listen(channel, onMessage, onReconnect) {
      const unsubscribe = await listener.subscribe(channel, onMessage, onReconnect);
      return { close: unsubscribe };
    },
    listenerState: () => listener.state,
    queryOnListener: (text, params) => listener.query(text, params),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

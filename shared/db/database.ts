import type { QueryResult, QueryResultRow } from 'pg';

/** Anything SQL can be sent to: the pool, or one transaction's client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export type NotificationHandler = (payload: string) => void;

/** Listener state as readiness reports it. */
export type ListenerState = 'connected' | 'reconnecting' | 'closed';

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The storage the whole service uses: a real PostgreSQL server or the embedded PGlite, behind
 * the same interface so the same SQL runs on both.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Runs `work` in one transaction; commits if it resolves, rolls back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Lends one raw pg client, e.g. to the migration runner. */
  withClient<T>(work: (client: import('pg').ClientBase) => Promise<T>): Promise<T>;
  /**
   * Delivers every NOTIFY on `channel`. `onReconnect` runs after the listening connection was
   * lost and restored, so callers can resync what they might have missed.
   */
  listen(channel: string, onMessage: NotificationHandler, onReconnect?: () => void): Promise<Subscription>;
  listenerState(): ListenerState;
  /**
   * Runs one statement on the listening connection itself (e.g. a NOTIFY barrier's own NOTIFY):
   * it needs no pooled connection, so it cannot wait behind transactions that wait for it.
   * Fails while the listener is not connected.
   */
  queryOnListener(text: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

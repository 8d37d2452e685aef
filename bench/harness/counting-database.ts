import type { Database, Queryable } from '../../shared/db/database.ts';

/** What a {@link countingDatabase} saw: statements sent, transactions run, and commits that write. */
export interface QueryCounts {
  statements: number;
  transactions: number;
  /** Autocommit statements that write (each its own commit) plus transactions that wrote. */
  writeCommits: number;
}

const WRITES = /^\s*(WITH\b[\s\S]*\b)?(INSERT|UPDATE|DELETE)\b|pg_notify/i;

/**
 * The same database, counting what goes through it, so a scenario can say how many statements
 * and commits one operation costs. Only callers handed this wrapper are counted (the routes);
 * the status hub's own snapshot reads are not.
 */
export function countingDatabase(db: Database, counts: QueryCounts): Database {
  const counted = (q: Queryable, onWrite: () => void): Queryable => ({
    query: (text, params) => {
      counts.statements++;
      if (WRITES.test(text)) onWrite();
      return q.query(text, params);
    },
  });
  const autocommit = counted(db, () => counts.writeCommits++);
  return {
    kind: db.kind,
    query: (text, params) => autocommit.query(text, params),
    transaction: (work) => {
      counts.transactions++;
      let wrote = false;
      return db.transaction((tx) => work(counted(tx, () => (wrote = true)))).finally(() => {
        if (wrote) counts.writeCommits++;
      });
    },
    withClient: (work) => db.withClient(work),
    listen: (channel, onMessage, onReconnect) => db.listen(channel, onMessage, onReconnect),
    listenerState: () => db.listenerState(),
    // Barriers on the listening connection are the process's own, not an operation's: not counted.
    queryOnListener: (text, params) => db.queryOnListener(text, params),
    close: () => db.close(),
  };
}

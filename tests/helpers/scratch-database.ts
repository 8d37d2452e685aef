import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The real server tests run against; override with TEST_DATABASE_URL. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** How long a drop waits for connections that are closing. */
const CLOSING_GRACE_MS = 1000;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty database of its own for one test file, so parallel runs never collide. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `vt_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(ADMIN_URL, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        // A pool's end() resolves before its sockets have closed. FORCE would hit such a closing
        // connection with a FATAL error its pool no longer listens for (an uncaught error in
        // whichever test file runs next), so let closing connections go first: FORCE is then
        // only for connections a test leaked.
        for (let waited = 0; waited < CLOSING_GRACE_MS; waited += 25) {
          const { rows } = await client.query<{ open: number }>('SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]!.open === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

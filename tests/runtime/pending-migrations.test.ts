import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedMigrations } from '../../shared/db/migrations.ts';
import { request } from '../helpers/http.ts';
import { childEnv, freePort, linesOf, runToExit, startProcess, TSX } from '../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-database.ts';
import { TEST_JWT_SECRET, TEST_SECRET_KEY } from '../helpers/test-server.ts';

// A service started against a PostgreSQL database that lacks this build's migrations: an
// operator who forgot `npm run migrate` must learn it from one line, not from 500s later.
// The tests share one scratch database and run in order: the second migrates it.

const START_TIMEOUT_MS = 60_000;

let scratch: ScratchDatabase;
beforeAll(async () => {
  scratch = await createScratchDatabase();
});
afterAll(() => scratch?.drop());

const serviceEnv = (port: number, extra: Record<string, string> = {}) =>
  childEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: scratch.url,
    JWT_SECRET: TEST_JWT_SECRET,
    SECRET_KEY: TEST_SECRET_KEY,
    ...extra,
  });

describe('starting against a database with pending migrations', () => {
  it('exits non-zero with one line that says to run npm run migrate, naming what is missing', async () => {
    const result = await runToExit(TSX, ['services/main.ts'], serviceEnv(await freePort()), START_TIMEOUT_MS);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const lines = linesOf(result.stdout + result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('npm run migrate');
    expect(lines[0]).toContain('MIGRATE_ON_START=true');
    expect(lines[0]).toContain(shippedMigrations().at(-1));
  });

  it('applies them and serves when MIGRATE_ON_START=true', async () => {
    const port = await freePort();
    const proc = startProcess(TSX, ['services/main.ts'], serviceEnv(port, { MIGRATE_ON_START: 'true' }));
    try {
      await proc.waitForOutput(/listening on/, START_TIMEOUT_MS);
      expect(proc.stdout()).toContain('migrations applied');
      const res = await request(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      await proc.kill();
    }
  }, START_TIMEOUT_MS + 10_000);
});

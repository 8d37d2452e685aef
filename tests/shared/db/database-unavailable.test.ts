import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { configService } from '../../../services/config/index.ts';
import { isDatabaseUnavailable } from '../../../shared/db/unavailable.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { ADMIN_URL } from '../../helpers/scratch-database.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01' }, true],
    [{ code: '08006' }, true],
    [{ code: '53300' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [{ code: '23505' }, false],
    [{ code: '42P01' }, false],
    [new Error('boom'), false],
    ['ECONNREFUSED', false],
  ])('classifies %o as %s', (err, expected) => {
    expect(isDatabaseUnavailable(err)).toBe(expected);
  });
});

describe('a request while the database is unreachable', () => {
  let server: TestServer;
  let admin: pg.Client;
  let database: string;
  beforeAll(async () => {
    server = await startTestServer({ modules: [configService] });
    database = new URL(server.deps.config.database.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await admin.end();
    await server.close();
  });

  it('gets 503 VER_0503 with Retry-After, which a client may retry, not a 500', async () => {
    const token = await server.token({ sub: 'alice' });
    // Refuse new connections, then cut the pool's open ones: the next query cannot reach the database.
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'verification'", [database]);
    const res = await fetch(`${server.url}/verification-srv/config/list`, { headers: { authorization: `Bearer ${token}` } });
    expectProblem({ status: res.status, headers: res.headers, body: await res.json() }, 503, 'VER_0503');
    expect(res.headers.get('retry-after')).toBe('5');
  });
});

describe('a request while every pooled connection is busy (DB_POOL_SIZE=1, DB_ACQUIRE_TIMEOUT_MS=200)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ modules: [configService], env: { DB_POOL_SIZE: '1', DB_ACQUIRE_TIMEOUT_MS: '200' } });
  });
  afterAll(() => server.close());

  /** Holds the pool's only connection until the returned function is called. */
  async function holdThePool(): Promise<() => Promise<void>> {
    let release!: () => void;
    let acquired!: () => void;
    const gotIt = new Promise<void>((resolve) => (acquired = resolve));
    const held = server.deps.db.withClient(() => {
      acquired();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await gotIt;
    return async () => {
      release();
      await held;
    };
  }

  it('gets 503 VER_0503 with Retry-After once the acquire timeout passes, not a hang, and no error log', async () => {
    const token = await server.token({ sub: 'alice' });
    const release = await holdThePool();
    try {
      const res = await request(`${server.url}/verification-srv/config/list`, { token });
      expectProblem(res, 503, 'VER_0503');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(server.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toEqual([]);
    } finally {
      await release();
    }
  });

  it('serves requests again once a connection is free', async () => {
    const token = await server.token({ sub: 'alice' });
    const release = await holdThePool();
    await release();
    expect((await request(`${server.url}/verification-srv/config/list`, { token })).status).toBe(200);
  });
});

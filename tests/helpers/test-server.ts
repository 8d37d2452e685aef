import { Writable } from 'node:stream';
import { loadConfig, type AppConfig } from '../../shared/config/env.ts';
import { issueToken, type TokenClaims } from '../../shared/auth/issue-token.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { buildDeps, closeDeps } from '../../shared/runtime/build-deps.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { startServer } from '../../shared/runtime/start-server.ts';
import { allServices } from '../../services/all.ts';
import { createPostgresDatabase } from '../../shared/db/postgres.ts';
import { migrate } from '../../shared/db/migrations.ts';
import type { Database } from '../../shared/db/database.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.ts';
import { TestClock } from './test-clock.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TEST_SECRET_KEY = 'a'.repeat(64);

export interface TestServer {
  url: string;
  deps: Deps;
  clock: TestClock;
  /** Every log line the server wrote, for tests that assert what is never logged. */
  logs: string[];
  token(claims: Partial<TokenClaims> & { sub: string }): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  modules?: ServiceModule[];
  env?: Record<string, string>;
  /** Share a database with another server (multi-instance tests); a scratch one otherwise. */
  databaseUrl?: string;
}

/** The test configuration; `env` overrides it, and naming `JWT_JWKS_URL` there replaces the test JWT secret. */
export function testConfig(databaseUrl: string | undefined, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    HOST: '127.0.0.1',
    ...(env.JWT_JWKS_URL ? {} : { JWT_SECRET: TEST_JWT_SECRET }),
    SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'info',
    MIGRATE_ON_START: 'false',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
}

/** Opens a migrated database at `url` (for tests that talk to repositories directly), with the pool `pool` configures. */
export async function openMigratedDatabase(url: string, pool?: AppConfig['database']): Promise<Database> {
  const db = createPostgresDatabase({
    connectionString: url,
    maxConnections: pool?.poolSize,
    acquireTimeoutMs: pool?.acquireTimeoutMs,
    log: createLogger('silent'),
  });
  await migrate(db, 'up');
  return db;
}

/**
 * Starts the given services (all of them by default) on a free port against a real, migrated
 * PostgreSQL database with an injectable clock and captured logs.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  let scratch: ScratchDatabase | undefined;
  const databaseUrl = options.databaseUrl ?? (scratch = await createScratchDatabase()).url;
  const config = testConfig(databaseUrl, options.env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const clock = new TestClock();
  const db = await openMigratedDatabase(databaseUrl, config.database);
  const deps = await buildDeps(config, { log, db, clock: () => clock.now() });
  const server = await startServer(deps, options.modules ?? allServices, 0);
  return {
    url: server.url,
    deps,
    clock,
    logs,
    token: (claims) => issueToken(new TextEncoder().encode(TEST_JWT_SECRET), claims),
    async close() {
      await server.close();
      await closeDeps(deps);
      await scratch?.drop();
    },
  };
}

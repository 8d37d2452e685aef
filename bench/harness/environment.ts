import Router from '@koa/router';
import Koa from 'koa';
import { issueToken, type TokenClaims } from '../../shared/auth/issue-token.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { migrate } from '../../shared/db/migrations.ts';
import { createPostgresDatabase } from '../../shared/db/postgres.ts';
import type { AppRouter, AppState } from '../../shared/http/types.ts';
import { bufferedDestination } from '../../shared/log/buffered-destination.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { buildDeps, closeDeps } from '../../shared/runtime/build-deps.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { listen, type RunningServer } from '../../shared/runtime/http-server.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { startServer } from '../../shared/runtime/start-server.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../tests/helpers/scratch-database.ts';

const HOST = '127.0.0.1';
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

/**
 * What every scenario measures against: one scratch PostgreSQL database, migrated, and the
 * service's real dependencies, with servers started in this process on random local ports.
 */
export interface BenchEnvironment {
  deps: Deps;
  /**
   * Serves service modules exactly as production does (all middleware, auth, metrics, logs),
   * with `deps` when given (e.g. the same dependencies with one sink fewer).
   */
  serve(modules: ServiceModule[], deps?: Deps): Promise<RunningServer>;
  /** Serves a bare Koa app with only the routes `define` adds: the baseline for a ratio. */
  serveBare(define: (router: AppRouter) => void): Promise<RunningServer>;
  /** A bearer token the served services accept. */
  token(claims: TokenClaims): Promise<string>;
  close(): Promise<void>;
}

export async function createBenchEnvironment(): Promise<BenchEnvironment> {
  const scratch: ScratchDatabase = await createScratchDatabase();
  const config = loadConfig({
    HOST,
    DATABASE_URL: scratch.url,
    JWT_SECRET,
    SECRET_KEY: 'b'.repeat(64),
    LOG_LEVEL: 'info',
    // One token drives thousands of requests a second: the budget is spent on every request, as in
    // production, but set above what the load generator reaches so that no answer is a 429.
    REQUEST_RATE_LIMIT: '1000000',
    MIGRATE_ON_START: 'false',
  });
  // Request logs are written as in production, to a sink that costs the same but prints nothing.
  const log = createLogger(config.logLevel, bufferedDestination('/dev/null'));
  const db = createPostgresDatabase({ connectionString: scratch.url, log });
  await migrate(db, 'up');
  const deps = await buildDeps(config, { log, db });
  const servers: RunningServer[] = [];
  const track = (server: RunningServer) => {
    servers.push(server);
    return server;
  };

  return {
    deps,
    serve: async (modules, served = deps) => track(await startServer(served, modules, 0)),
    async serveBare(define) {
      const app = new Koa<AppState>();
      const router = new Router<AppState>();
      define(router);
      app.use(router.routes());
      return track(await listen(app, 0, HOST));
    },
    token: (claims) => issueToken(new TextEncoder().encode(JWT_SECRET), claims),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await closeDeps(deps);
      await scratch.drop();
    },
  };
}

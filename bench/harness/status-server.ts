import { statusService } from '../../services/status/index.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { buildDeps, closeDeps } from '../../shared/runtime/build-deps.ts';
import { startServer, type RunningService } from '../../shared/runtime/start-server.ts';

/**
 * Starts one status-service instance in this (child) process, built as services/status/main.ts
 * builds it (logs at warn), and stops it when the parent disconnects the IPC channel.
 */
export async function startBenchStatusServer(databaseUrl: string): Promise<RunningService> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
    SECRET_KEY: 'b'.repeat(64),
    LOG_LEVEL: 'warn',
  });
  const deps = await buildDeps(config, { log: createLogger(config.logLevel) });
  const server = await startServer(deps, [statusService], 0);
  process.once('disconnect', () => {
    void server
      .close()
      .then(() => closeDeps(deps))
      .then(() => process.exit(0));
  });
  return server;
}

// One status-service instance as its own process, built as services/status/main.ts builds it
// (logs at warn), for the scale scenario. Prints `LISTENING <http-url>`; exits when its parent
// disconnects the IPC channel.
import { statusService } from '../../services/status/index.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { buildDeps, closeDeps } from '../../shared/runtime/build-deps.ts';
import { startServer } from '../../shared/runtime/start-server.ts';

const databaseUrl = process.argv[2];
if (!databaseUrl) {
  console.error('usage: status-instance <database-url>');
  process.exit(2);
}
const config = loadConfig({
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
  SECRET_KEY: 'b'.repeat(64),
  LOG_LEVEL: 'warn',
});
const deps = await buildDeps(config, { log: createLogger(config.logLevel) });
const server = await startServer(deps, [statusService], 0);
console.log(`LISTENING ${server.url}`);
process.once('disconnect', () => {
  void server
    .close()
    .then(() => closeDeps(deps))
    .then(() => process.exit(0));
});

import { ConfigError, loadConfig, type AppConfig } from '../config/env.ts';
import { createLogger } from '../log/logger.ts';
import { buildDeps, closeDeps } from './build-deps.ts';
import { operatorMessage } from './operator-message.ts';
import type { ServiceModule } from './service-module.ts';
import { onShutdown } from './shutdown.ts';
import { startServer } from './start-server.ts';

/**
 * Entry point shared by every process: validates the environment, opens the database, serves
 * `modules` on the port `portOf` picks and shuts down gracefully on SIGTERM/SIGINT.
 */
export async function main(modules: ServiceModule[], portOf: (ports: AppConfig['ports']) => number): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`configuration error: ${err.message}`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  try {
    const deps = await buildDeps(config, { log });
    const server = await startServer(deps, modules, portOf(config.ports));
    const demo = config.demo && modules.some((m) => m.name === 'demo') ? `; demo pages at ${server.url}/demo/` : '';
    log.info(
      { url: server.url, services: modules.map((m) => m.name), database: deps.db.kind },
      `listening on ${server.url}; get a token with: npm run token -- --sub alice${demo}`,
    );
    // The person who just ran `npm start` reads this line now, not when the log batch fills.
    log.flush();
    onShutdown(log, async () => {
      await server.close();
      await closeDeps(deps);
    });
  } catch (err) {
    const message = operatorMessage(err);
    if (message) console.error(`cannot start: ${message}`);
    else log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'could not start');
    process.exit(1);
  }
}

import { createApp } from '../http/create-app.ts';
import { createMetricsApp } from '../http/metrics-app.ts';
import type { Deps } from './deps.ts';
import { listen, type RunningServer } from './http-server.ts';
import type { ServiceModule } from './service-module.ts';

export interface RunningService extends RunningServer {
  /** Where `/metrics` is served when `METRICS_PORT` moved it off the API port. */
  metricsUrl: string | undefined;
}

/**
 * Serves `modules` on one port (and `/metrics` on `METRICS_PORT` when set). Closing stops
 * accepting at once, then ends attachments (whose WebSockets the HTTP drain would otherwise
 * wait for), then waits for in-flight requests.
 */
export async function startServer(deps: Deps, modules: ServiceModule[], port: number): Promise<RunningService> {
  const app = createApp(deps, modules.flatMap((m) => m.routes(deps)));
  const { metricsPort, host } = deps.config;
  const limits = { ...deps.config.connections, onRefused: () => deps.metrics.connectionsRefused.inc() };
  const metricsServer = metricsPort === undefined ? undefined : await listen(createMetricsApp(deps), metricsPort, host, limits);
  let running: RunningServer;
  try {
    running = await listen(app, port, host, limits);
  } catch (err) {
    await metricsServer?.close();
    throw err;
  }
  const attachments = modules.flatMap((m) => (m.attach ? [m.attach(running.server, deps)] : []));
  return {
    ...running,
    metricsUrl: metricsServer?.url,
    async close() {
      const drained = running.close();
      await Promise.all(attachments.map((a) => a.close()));
      await drained;
      await metricsServer?.close();
    },
  };
}

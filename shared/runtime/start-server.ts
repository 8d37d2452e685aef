import { createApp } from '../http/create-app.ts';
import type { Deps } from './deps.ts';
import { listen, type RunningServer } from './http-server.ts';
import type { ServiceModule } from './service-module.ts';

/**
 * Serves `modules` on one port. Closing stops accepting at once, then ends attachments (whose
 * WebSockets the HTTP drain would otherwise wait for), then waits for in-flight requests.
 */
export async function startServer(deps: Deps, modules: ServiceModule[], port: number): Promise<RunningServer> {
  const app = createApp(deps, modules.flatMap((m) => m.routes(deps)));
  const running = await listen(app, port, deps.config.host, {
    ...deps.config.connections,
    onRefused: () => deps.metrics.connectionsRefused.inc(),
  });
  const attachments = modules.flatMap((m) => (m.attach ? [m.attach(running.server, deps)] : []));
  return {
    ...running,
    async close() {
      const drained = running.close();
      await Promise.all(attachments.map((a) => a.close()));
      await drained;
    },
  };
}

import { createApp } from '../http/create-app.ts';
import type { Deps } from './deps.ts';
import { listen, type RunningServer } from './http-server.ts';
import type { ServiceModule } from './service-module.ts';

/** Serves `modules` on one port. Closing ends attachments first, then drains HTTP. */
export async function startServer(deps: Deps, modules: ServiceModule[], port: number): Promise<RunningServer> {
  const app = createApp(deps, modules.flatMap((m) => m.routes(deps)));
  const running = await listen(app, port, deps.config.host);
  const attachments = modules.flatMap((m) => (m.attach ? [m.attach(running.server, deps)] : []));
  return {
    ...running,
    async close() {
      await Promise.all(attachments.map((a) => a.close()));
      await running.close();
    },
  };
}

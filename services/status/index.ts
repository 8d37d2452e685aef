import { startExpirySweeper } from '../../shared/exchanges/expiry-sweeper.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { statusRoutes } from './routes.ts';
import { attachStatusSocket } from './websocket/server.ts';

export const statusService: ServiceModule = {
  name: 'status',
  routes: (deps) => [statusRoutes(deps)],
  attach: (server, deps) => {
    const sweeper = startExpirySweeper(deps);
    const socket = attachStatusSocket(server, deps);
    return {
      async close() {
        await socket.close();
        await sweeper.close();
      },
    };
  },
};

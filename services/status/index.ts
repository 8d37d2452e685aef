import { startExpirySweeper } from '../../shared/enrollment/expiry-sweeper.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { statusRoutes } from './routes.ts';

export const statusService: ServiceModule = {
  name: 'status',
  routes: (deps) => [statusRoutes(deps)],
  attach: (_server, deps) => startExpirySweeper(deps),
};

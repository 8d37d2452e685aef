import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { configRoutes } from './routes.ts';

export const configService: ServiceModule = {
  name: 'config',
  routes: (deps) => [configRoutes(deps)],
};

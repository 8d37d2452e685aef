import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { authenticationRoutes } from './authentication-routes.ts';
import { devOutboxRoutes } from './dev-outbox-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { setupRoutes } from './setup-routes.ts';

export const actionsService: ServiceModule = {
  name: 'actions',
  routes: (deps) => [
    setupRoutes(deps),
    deviceRoutes(deps),
    authenticationRoutes(deps),
    // The development outbox shows codes: it does not exist in production.
    ...(deps.config.production ? [] : [devOutboxRoutes(deps)]),
  ],
};

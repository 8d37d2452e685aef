import { startRetentionSweeper } from '../../shared/retention/retention-sweeper.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { activityRoutes } from './activity-routes.ts';
import { authenticationRoutes } from './authentication-routes.ts';
import { devOutboxRoutes } from './dev-outbox-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { devWebauthnRoutes } from './dev-webauthn/routes.ts';
import { pushDeviceRoutes } from './push-device-routes.ts';
import { setupRoutes } from './setup-routes.ts';

export const actionsService: ServiceModule = {
  name: 'actions',
  routes: (deps) => [
    setupRoutes(deps),
    deviceRoutes(deps),
    authenticationRoutes(deps),
    pushDeviceRoutes(deps),
    activityRoutes(deps),
    // Development pages and the development outbox (which shows codes) do not exist in production.
    ...(deps.config.production ? [] : [devWebauthnRoutes(), devOutboxRoutes(deps)]),
  ],
  // The actions service writes enrollments and rate-limit counters, so it also purges them.
  attach: (_server, deps) => startRetentionSweeper(deps, deps.config.retentionDays),
};

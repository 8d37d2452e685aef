import Koa from 'koa';
import Router from '@koa/router';
import type { HttpDeps } from './http-deps.ts';
import { docsRoutes } from './docs-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestFrame } from './middleware/request-frame.ts';
import type { AppRouter, AppState } from './types.ts';

/**
 * One Koa application serving the given routers plus the operator endpoints, with the
 * middleware every service shares. Unknown routes and methods end as problem+json. With
 * `METRICS_PORT` set, `/metrics` is left to the metrics server (an unknown path here).
 */
export function createApp(deps: HttpDeps, routers: AppRouter[]): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: deps.config.trustProxy });
  app.silent = true;

  const operatorRoutes = [healthRoutes(deps), ...(deps.config.metricsPort === undefined ? [metricsRoutes(deps)] : []), docsRoutes()];
  // One route runs per request, the most specific that matches (`/config/list` rather than
  // `/config/:type`): the router then composes that route's middleware alone on every request.
  const root = new Router<AppState>({ exclusive: 'specificity' });
  for (const router of [...operatorRoutes, ...routers]) root.use(router.routes());

  app.use(requestFrame({ config: deps.config, log: deps.log, metrics: deps.metrics, polls: deps.config.pollLog }));
  app.use(jsonBody(deps.config.bodyLimitBytes));
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

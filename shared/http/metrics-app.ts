import Koa from 'koa';
import type { HttpDeps } from './http-deps.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { requestFrame } from './middleware/request-frame.ts';
import type { AppState } from './types.ts';

/**
 * The small application `METRICS_PORT` serves: `/metrics` and nothing else, so the port can be
 * left unpublished (scraped from inside the network) while the API port is public.
 */
export function createMetricsApp(deps: Pick<HttpDeps, 'config' | 'log' | 'metrics'>): Koa<AppState> {
  const app = new Koa<AppState>();
  app.silent = true;
  const router = metricsRoutes(deps);
  app.use(requestFrame(deps));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

import Router from '@koa/router';
import type { HttpDeps } from './http-deps.ts';
import type { AppState } from './types.ts';

/** Prometheus metrics: on the API port, or on `METRICS_PORT` alone (see metrics-app.ts). */
export function metricsRoutes({ metrics }: Pick<HttpDeps, 'metrics'>): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

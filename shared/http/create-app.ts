import Koa from 'koa';
import Router from '@koa/router';
import { VerificationError } from '../errors/verification-error.ts';
import type { Deps } from '../runtime/deps.ts';
import { docsRoutes } from './docs-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestContext } from './middleware/request-context.ts';
import type { AppRouter, AppState } from './types.ts';

/**
 * One Koa application serving the given routers plus the operator endpoints, with the
 * middleware every service shares. Unknown routes and methods end as problem+json.
 */
export function createApp(deps: Deps, routers: AppRouter[]): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: deps.config.trustProxy });
  app.silent = true;

  const root = new Router<AppState>();
  for (const router of [healthRoutes(deps), docsRoutes(), ...routers]) root.use(router.routes());

  app.use(requestContext(deps.log, deps.metrics));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    await next();
    if (ctx.body != null) return;
    if (ctx.status === 404) throw new VerificationError('ROUTE_NOT_FOUND');
    // The router sets `Allow` (required on a 405 by RFC 9110) only when it does not throw itself.
    if (ctx.status === 405 || ctx.status === 501) {
      throw new VerificationError('METHOD_NOT_ALLOWED', undefined, { headers: { Allow: ctx.response.get('Allow') } });
    }
  });
  app.use(jsonBody(deps.config.bodyLimitBytes));
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

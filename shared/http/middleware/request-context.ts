import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../log/logger.ts';
import type { HttpMetrics } from '../metrics.ts';
import type { AppState } from '../types.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route template, never the raw path: paths carry exchange ids, which are capabilities. */
function routeOf(ctx: { _matchedRoute?: string | RegExp; status: number }): string {
  if (ctx._matchedRoute) return String(ctx._matchedRoute);
  return ctx.status === 404 ? 'unmatched' : 'unknown';
}

/**
 * Gives each request an id (the caller's `x-request-id` when sane), a child logger, one
 * access-log line and its metrics.
 */
export function requestContext(log: Logger, metrics: HttpMetrics): Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // Most requests never log beyond the access line: build their child logger only when asked.
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (child ??= log.child({ requestId })),
      set: (value: Logger) => {
        child = value;
      },
      enumerable: true,
      configurable: true,
    });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = routeOf(ctx as never);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requests.inc({ method: ctx.method, route, status: String(ctx.status) });
      metrics.duration.observe({ method: ctx.method, route }, seconds);
      log.info(
        {
          requestId,
          tenant: ctx.state.principal?.tenantId,
          method: ctx.method,
          route,
          status: ctx.status,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'request',
      );
    }
  };
}

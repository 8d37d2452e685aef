import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type { Principal } from '../../auth/principal.ts';
import type { AppConfig } from '../../config/env.ts';
import type { Logger } from '../../log/logger.ts';
import { AccessLog, LOG_EVERY_POLL, type PollLogPolicy } from '../access-log.ts';
import type { HttpMetrics } from '../metrics.ts';
import { RequestMetrics } from '../request-metrics.ts';
import type { AppState } from '../types.ts';
import { renderError } from './render-error.ts';
import { securityHeaderValues } from './security-headers.ts';
import { refuseUnmatched } from './refuse-unmatched.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route template, never the raw path: paths carry exchange ids, which are capabilities. */
function routeOf(ctx: { _matchedRoute?: string | RegExp; status: number }): string {
  if (ctx._matchedRoute) return typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : String(ctx._matchedRoute);
  return ctx.status === 404 ? 'unmatched' : 'unknown';
}

/**
 * A request's state, with the child logger built only when asked for: most requests never log
 * beyond the access line. A class rather than a property defined per request, which is cheaper
 * on the hot path.
 */
class RequestState implements AppState {
  principal?: Principal;
  routineRead?: boolean;
  #child: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly root: Logger,
  ) {}

  get log(): Logger {
    return (this.#child ??= this.root.child({ requestId: this.requestId }));
  }

  set log(value: Logger) {
    this.#child = value;
  }
}

export interface RequestFrameOptions {
  config: Pick<AppConfig, 'publicBaseUrl'>;
  log: Logger;
  metrics: HttpMetrics;
  polls?: PollLogPolicy;
}

/**
 * What every request goes through, outermost, as one middleware rather than four (each layer is
 * a promise and a closure per request, a measurable part of a status poll): an id (the caller's
 * `x-request-id` when sane) and the state with its logger; the security headers, set before
 * anything else so errors and 404s carry them too; unknown routes and methods refused; any
 * error rendered as problem+json (the only place that happens); then the metrics and one
 * access-log line (status polls per `polls`, see AccessLog).
 */
export function requestFrame({ config, log, metrics, polls = LOG_EVERY_POLL }: RequestFrameOptions): Middleware<AppState> {
  const requestMetrics = new RequestMetrics(metrics);
  const accessLog = new AccessLog(log, polls);
  const headers = securityHeaderValues(config);
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = incoming !== '' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const state = new RequestState(requestId, log);
    ctx.state = state;
    ctx.set(headers);
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
      refuseUnmatched(ctx);
    } catch (err) {
      renderError(ctx, err);
    } finally {
      const route = routeOf(ctx as never);
      const ms = performance.now() - started;
      const status = ctx.status;
      requestMetrics.record(ctx.method, route, status, ms / 1000);
      const level = accessLog.levelFor(state.routineRead === true && (status === 200 || status === 304));
      if (level) {
        log[level](
          { requestId, tenant: state.principal?.tenantId, method: ctx.method, route, status, ms: Math.round(ms * 10) / 10 },
          'request',
        );
      }
    }
  };
}

import Router from '@koa/router';
import { pendingMigrations } from '../db/migrations.ts';
import type { HttpDeps } from './http-deps.ts';
import type { AppState } from './types.ts';

/** Liveness and readiness for operators (metrics: metrics-routes.ts). */
export function healthRoutes({ db }: Pick<HttpDeps, 'db'>): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const checks: Record<string, string> = {};
    try {
      const pending = await pendingMigrations(db);
      checks.database = 'ok';
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
    } catch {
      checks.database = 'unreachable';
    }
    checks.listener = db.listenerState();
    const ready = checks.database === 'ok' && checks.migrations === 'ok' && checks.listener === 'connected';
    ctx.status = ready ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks };
  });

  return router;
}

import Router from '@koa/router';
import { pendingMigrations } from '../db/migrations.ts';
import type { Deps } from '../runtime/deps.ts';
import type { AppState } from './types.ts';

/** Liveness, readiness and Prometheus metrics for operators. */
export function healthRoutes({ db, metrics }: Pick<Deps, 'db' | 'metrics'>): Router<AppState> {
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

  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  return router;
}

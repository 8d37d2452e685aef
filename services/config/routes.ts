import Router from '@koa/router';
import { z } from 'zod';
import { SCOPES, requireScope } from '../../shared/auth/principal.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import { methodOf, resolveMethodParam } from '../../shared/http/method-param.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import { changeMethodConfig } from '../../shared/methods/change-method-config.ts';
import type { MethodModule } from '../../shared/methods/method-module.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

/** `{active?, settings?}`, the settings checked with the method's own schema. */
export function methodChangeSchema(method: MethodModule) {
  return z.object({ active: z.boolean().optional(), settings: method.settings.patch.optional() }).strict();
}

/** The config service: which verification methods a tenant offers, and their settings. */
export function configRoutes({ db, verifyToken, callerBudgets, securityEvents, methodLists, tenantMethods }: Deps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/verification-srv/config' });
  const auth = authenticate(verifyToken);
  // Every caller's requests here spend their budget (REQUEST_RATE_LIMIT), as on the other read endpoints.
  const budget = callerBudget(callerBudgets);
  resolveMethodParam(router, 'type');
  const configChanges = { db, caches: [methodLists, tenantMethods] };
  const changeSchemas = new Map<MethodModule, ReturnType<typeof methodChangeSchema>>();
  const changeSchemaOf = (method: MethodModule) => changeSchemas.get(method) ?? changeSchemas.set(method, methodChangeSchema(method)).get(method)!;

  router.get('/list', auth, budget, async (ctx) => {
    // Fetched on every page load of every profile page: its success is not an access line at info.
    ctx.state.routineRead = true;
    // The header itself: assigning ctx.type looks the type up in the MIME table on every request.
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = await methodLists.get(principalOf(ctx).tenantId);
  });

  router.get('/:type', auth, budget, async (ctx) => {
    ctx.body = await methodOf(ctx).settings.read(db, principalOf(ctx).tenantId);
  });

  router.put('/:type', auth, budget, async (ctx) => {
    const principal = principalOf(ctx);
    requireScope(principal, SCOPES.admin);
    const method = methodOf(ctx);
    const change = parseInput(changeSchemaOf(method), ctx.request.body, 'body');
    ctx.body = await changeMethodConfig(configChanges, method, principal.tenantId, change, {
      sub: principal.sub,
      events: securityEventsFor(ctx, securityEvents),
    });
  });

  return router;
}

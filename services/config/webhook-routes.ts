import Router from '@koa/router';
import { z } from 'zod';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { plainText } from '../../shared/validation/fields.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../shared/webhooks/webhook-events.ts';
import { adminOnly } from './admin.ts';

export const endpointBody = z
  .object({
    url: z.string().min(1).max(4096),
    events: z.array(z.enum([ALL_EVENTS, ...WEBHOOK_EVENT_TYPES])).min(1).max(WEBHOOK_EVENT_TYPES.length + 1),
    description: z.string().trim().pipe(plainText(256)).optional(),
  })
  .strict();

export const deliveriesQuery = z
  .object({
    cursor: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

/**
 * Tenant webhook endpoints (DESIGN §17) for the tenant's admins. Every route spends the
 * caller's request budget (REQUEST_RATE_LIMIT), counted before the scope check.
 */
export function webhookRoutes({ webhooks, verifyToken, callerBudgets }: Deps): Router<AppState> {
  const router = new Router<AppState>();
  const base = '/verification-srv/webhooks';
  const auth = authenticate(verifyToken);
  const budget = callerBudget(callerBudgets);
  const tenantOf = (ctx: AppContext) => principalOf(ctx).tenantId;

  router.post(base, auth, budget, adminOnly, async (ctx) => {
    const body = parseInput(endpointBody, ctx.request.body, 'body');
    ctx.body = await webhooks.create({ tenantId: tenantOf(ctx), ...body });
    ctx.status = 201;
  });

  router.get(base, auth, budget, adminOnly, async (ctx) => {
    ctx.body = await webhooks.list(tenantOf(ctx));
  });

  router.get(`${base}/:id`, auth, budget, adminOnly, async (ctx) => {
    ctx.body = await webhooks.get(tenantOf(ctx), parseIdParam(ctx.params.id, 'id'));
  });

  router.delete(`${base}/:id`, auth, budget, adminOnly, async (ctx) => {
    await webhooks.remove(tenantOf(ctx), parseIdParam(ctx.params.id, 'id'));
    ctx.status = 204;
  });

  router.post(`${base}/:id/rotate-secret`, auth, budget, adminOnly, async (ctx) => {
    ctx.body = await webhooks.rotateSecret(tenantOf(ctx), parseIdParam(ctx.params.id, 'id'));
  });

  router.get(`${base}/:id/deliveries`, auth, budget, adminOnly, async (ctx) => {
    const id = parseIdParam(ctx.params.id, 'id');
    const query = parseInput(deliveriesQuery, ctx.query, 'query');
    ctx.body = await webhooks.deliveries(tenantOf(ctx), id, query);
  });

  router.post(`${base}/:id/deliveries/:delivery_id/retry`, auth, budget, adminOnly, async (ctx) => {
    const id = parseIdParam(ctx.params.id, 'id');
    const deliveryId = parseIdParam(ctx.params.delivery_id, 'delivery_id');
    ctx.body = await webhooks.retry(tenantOf(ctx), id, deliveryId);
    ctx.status = 202;
  });

  return router;
}

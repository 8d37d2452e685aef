import Router from '@koa/router';
import { z } from 'zod';
import { listActivity } from '../../shared/audit/audit-trail.ts';
import { sendJsonWithEtag } from '../../shared/http/entity-tag.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

export const activityQuery = z
  .object({
    cursor: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20),
  })
  .strict();

/**
 * The caller's own recent security events (sign-ins, wrong codes, factor changes), newest first,
 * with an ETag: the profile page polls it with If-None-Match, and an unchanged page is a 304.
 * Each poll spends the caller's request budget (REQUEST_RATE_LIMIT), which a 5 s poll never exhausts.
 */
export function activityRoutes({ db, verifyToken, callerBudgets }: Deps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/verification-actions-srv/activity', authenticate(verifyToken), callerBudget(callerBudgets), async (ctx) => {
    const query = parseInput(activityQuery, ctx.query, 'query');
    const { tenantId, sub } = principalOf(ctx);
    sendJsonWithEtag(ctx, await listActivity(db, { tenantId, sub }, query));
  });
  return router;
}

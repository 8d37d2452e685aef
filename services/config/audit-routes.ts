import Router from '@koa/router';
import { z } from 'zod';
import { listAuditTrail, verifyAuditTrail } from '../../shared/audit/audit-trail.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import { plainText } from '../../shared/validation/fields.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { adminOnly } from './admin.ts';

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2030-01-02T03:04:05Z' }).transform((s) => new Date(s));
const range = { from: instant.optional(), to: instant.optional() };
const orderedRange = (r: { from?: Date; to?: Date }) => !r.from || !r.to || r.from <= r.to;
const RANGE_ORDER = { message: 'from must not be after to', path: ['from'] };

export const auditQuery = z
  .object({
    sub: plainText(255).optional(),
    event: z.string().regex(/^[a-z_]{1,32}\.[a-z_]{1,32}$/, 'must be an event name, e.g. authentication.wrong_code').optional(),
    ...range,
    cursor: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    order: z.enum(['desc', 'asc']).default('desc'),
  })
  .strict()
  .refine(orderedRange, RANGE_ORDER);

export const verifyQuery = z.object(range).strict().refine(orderedRange, RANGE_ORDER);

/**
 * The tenant's audit trail (DESIGN §16) for its admins: a paged listing and the chain check.
 * Both spend the caller's request budget (REQUEST_RATE_LIMIT), counted before the scope check
 * so that a flood of refused requests is cut off too.
 */
export function auditRoutes({ db, verifyToken, callerBudgets }: Deps): Router<AppState> {
  const router = new Router<AppState>();
  const auth = authenticate(verifyToken);
  const budget = callerBudget(callerBudgets);

  router.get('/verification-srv/audit', auth, budget, adminOnly, async (ctx) => {
    const query = parseInput(auditQuery, ctx.query, 'query');
    ctx.body = await listAuditTrail(db, principalOf(ctx).tenantId, query);
  });

  router.get('/verification-srv/audit/verify', auth, budget, adminOnly, async (ctx) => {
    const query = parseInput(verifyQuery, ctx.query, 'query');
    ctx.body = await verifyAuditTrail(db, principalOf(ctx).tenantId, query);
  });

  return router;
}

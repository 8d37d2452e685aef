import Router from '@koa/router';
import { z } from 'zod';
import { actingFor } from '../../shared/auth/acting-for.ts';
import { SCOPES } from '../../shared/auth/principal.ts';
import { listDevices, removeDevice, renameDevice } from '../../shared/devices/devices.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import { stepUpOf, stepUpProof } from '../../shared/http/middleware/step-up-proof.ts';
import { resolveMethodParam } from '../../shared/http/method-param.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { plainText, subSchema, uuidSchema } from '../../shared/validation/fields.ts';

export const devicesQuery = z.object({ sub: subSchema.optional() }).strict();

export const friendlyNameBody = z.object({ ph_id: uuidSchema, friendly_name: z.string().trim().pipe(plainText(64)) }).strict();

/**
 * A user's enrolled authenticators, of every method; an admin may act on any user of the tenant.
 * Every route spends the caller's request budget (REQUEST_RATE_LIMIT).
 */
export function deviceRoutes(deps: Deps): Router<AppState> {
  const { db, clock, securityEvents } = deps;
  const router = new Router<AppState>();
  const auth = authenticate(deps.verifyToken);
  const budget = callerBudget(deps.callerBudgets);
  resolveMethodParam(router, 'method');

  router.get('/verification-actions-srv/devices', auth, budget, async (ctx) => {
    const query = parseInput(devicesQuery, ctx.query, 'query');
    const whose = actingFor(principalOf(ctx), query.sub, { scope: SCOPES.admin, action: "listing another user's authenticators" });
    ctx.body = await listDevices(db, whose.tenantId, whose.sub);
  });

  router.delete('/verification-actions-srv/devices/:ph_id', auth, budget, stepUpProof(deps, 'remove_device'), async (ctx) => {
    const phId = parseIdParam(ctx.params.ph_id, 'ph_id');
    await removeDevice(db, { actor: principalOf(ctx), phId, stepUp: stepUpOf(ctx), now: clock(), events: securityEventsFor(ctx, securityEvents) });
    ctx.status = 204;
  });

  router.put('/verification-actions-srv/setup/users/friendlyname/:method', auth, budget, async (ctx) => {
    const body = parseInput(friendlyNameBody, ctx.request.body, 'body');
    ctx.body = await renameDevice(db, principalOf(ctx), body.ph_id, body.friendly_name);
  });

  return router;
}

import Router from '@koa/router';
import { SCOPES, hasScope, requireScope } from '../../shared/auth/principal.ts';
import { listDevices, removeDevice, renameDevice, type DeviceActor } from '../../shared/authenticators/devices.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { stepUpOf, stepUpProof } from '../../shared/http/middleware/step-up-proof.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { parseVerificationType } from '../../shared/tenants/method-settings.ts';
import { devicesQuery, friendlyNameBody } from './schemas.ts';

function actorOf(ctx: AppContext): DeviceActor {
  const principal = principalOf(ctx);
  return { tenantId: principal.tenantId, sub: principal.sub, isAdmin: hasScope(principal, SCOPES.admin) };
}

/** A user's enrolled authenticators; an admin may act on any user of the tenant. */
export function deviceRoutes(deps: Deps): Router<AppState> {
  const { db, clock, securityEvents } = deps;
  const router = new Router<AppState>();
  const auth = authenticate(deps.verifyToken);

  router.get('/verification-actions-srv/devices', auth, async (ctx) => {
    const actor = actorOf(ctx);
    const query = parseInput(devicesQuery, ctx.query, 'query');
    if (query.sub !== undefined && query.sub !== actor.sub) requireScope(principalOf(ctx), SCOPES.admin);
    ctx.body = await listDevices(db, actor.tenantId, query.sub ?? actor.sub);
  });

  router.delete('/verification-actions-srv/devices/:ph_id', auth, stepUpProof(deps, 'remove_device'), async (ctx) => {
    const phId = parseIdParam(ctx.params.ph_id, 'ph_id');
    await removeDevice(db, { actor: actorOf(ctx), phId, stepUp: stepUpOf(ctx), now: clock(), events: securityEventsFor(ctx, securityEvents) });
    ctx.status = 204;
  });

  router.put('/verification-actions-srv/setup/users/friendlyname/:method', auth, async (ctx) => {
    parseVerificationType(ctx.params.method!);
    const body = parseInput(friendlyNameBody, ctx.request.body, 'body');
    ctx.body = await renameDevice(db, actorOf(ctx), body.ph_id.toLowerCase(), body.friendly_name);
  });

  return router;
}

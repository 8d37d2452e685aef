import Router from '@koa/router';
import { z } from 'zod';
import { SCOPES, requireScope } from '../../shared/auth/principal.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { AppState } from '../../shared/http/types.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { getMethodConfig, listMethods, updateMethodConfig } from '../../shared/tenants/method-config.ts';
import { parseVerificationType, settingsPatchSchema } from '../../shared/tenants/method-settings.ts';

const methodChangeSchema = z
  .object({
    active: z.boolean().optional(),
    settings: settingsPatchSchema.optional(),
  })
  .strict();

/** The config service: which verification methods a tenant offers, and their settings. */
export function configRoutes({ db, verifyToken, securityEvents }: Deps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/verification-srv/config' });
  const auth = authenticate(verifyToken);

  router.get('/list', auth, async (ctx) => {
    ctx.body = await listMethods(db, principalOf(ctx).tenantId);
  });

  router.get('/:type', auth, async (ctx) => {
    const type = parseVerificationType(ctx.params.type!);
    ctx.body = await getMethodConfig(db, principalOf(ctx).tenantId, type);
  });

  router.put('/:type', auth, async (ctx) => {
    const principal = principalOf(ctx);
    requireScope(principal, SCOPES.admin);
    const type = parseVerificationType(ctx.params.type!);
    const change = parseInput(methodChangeSchema, ctx.request.body, 'body');
    ctx.body = await updateMethodConfig(db, principal.tenantId, type, change, { sub: principal.sub, events: securityEventsFor(ctx, securityEvents) });
  });

  return router;
}

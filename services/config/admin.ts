import type { Middleware } from 'koa';
import { SCOPES, requireScope } from '../../shared/auth/principal.ts';
import { principalOf } from '../../shared/http/middleware/authenticate.ts';
import type { AppState } from '../../shared/http/types.ts';

/** After `authenticate`: only a token with `verification:admin` passes (it acts on its own tenant only). */
export const adminOnly: Middleware<AppState> = async (ctx, next) => {
  requireScope(principalOf(ctx), SCOPES.admin);
  await next();
};

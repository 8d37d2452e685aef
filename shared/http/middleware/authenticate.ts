import type { Middleware } from 'koa';
import type { TokenVerifier } from '../../auth/token-verifier.ts';
import type { Principal } from '../../auth/principal.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { AppContext, AppState } from '../types.ts';

/** Requires a valid bearer token and records who is calling. */
export function authenticate(verify: TokenVerifier): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.state.principal = await verify(ctx.get('authorization') || undefined);
    await next();
  };
}

/** The caller of an authenticated route. */
export function principalOf(ctx: AppContext): Principal {
  const { principal } = ctx.state;
  if (!principal) throw new VerificationError('MISSING_TOKEN');
  return principal;
}

import type { Middleware, Next } from 'koa';
import type { TokenVerifier } from '../../auth/token-verifier.ts';
import type { Principal } from '../../auth/principal.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { AppContext, AppState } from '../types.ts';

/** Requires a valid bearer token and records who is calling. */
export function authenticate(verify: TokenVerifier): Middleware<AppState> {
  const verified = async (ctx: AppContext, next: Next, pending: Promise<Principal>) => {
    ctx.state.principal = await pending;
    return next();
  };
  // Not an async function: a token seen moments ago needs no promise of its own.
  return (ctx, next) => {
    const principal = verify(ctx.get('authorization') || undefined);
    if (principal instanceof Promise) return verified(ctx, next, principal);
    ctx.state.principal = principal;
    return next();
  };
}

/** The caller of an authenticated route. */
export function principalOf(ctx: AppContext): Principal {
  const { principal } = ctx.state;
  if (!principal) throw new VerificationError('MISSING_TOKEN');
  return principal;
}

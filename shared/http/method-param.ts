import type Router from '@koa/router';
import { VerificationError } from '../errors/verification-error.ts';
import { resolveMethod, type RegisteredMethod } from '../methods/registry.ts';
import type { AppContext, AppState } from './types.ts';

/**
 * Validates the path parameter `name` (`{method}`, `{type}`) once for every route of `router`
 * that has it, resolving the method module onto `ctx.state.method`; an unknown method is a 404
 * `VER_0020` before anything else runs.
 */
export function resolveMethodParam(router: Router<AppState>, name: string): void {
  router.param(name, (value, ctx, next) => {
    ctx.state.method = resolveMethod(value);
    return next();
  });
}

/** The method module of a route whose router resolves its method parameter. */
export function methodOf(ctx: AppContext): RegisteredMethod {
  const { method } = ctx.state;
  if (!method) throw new VerificationError('INTERNAL', 'route reads a method its router does not resolve');
  return method;
}

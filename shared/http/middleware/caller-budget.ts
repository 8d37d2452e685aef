import type { Middleware } from 'koa';
import type { CallerBudgets } from '../../rate-limit/caller-budgets.ts';
import type { AppState } from '../types.ts';
import { principalOf } from './authenticate.ts';

/**
 * After `authenticate`, before anything else the route does: spends one request of the
 * caller's budget (`REQUEST_RATE_LIMIT`, see CallerBudgets) and refuses the request over it
 * with 429 VER_0050 and `Retry-After`. Refused and failing requests count too, so a flood of
 * forbidden or malformed ones is cut off as well. For the authenticated endpoints without a
 * limit of their own; never on routes a backend calls for many users (one service token).
 */
export function callerBudget(budgets: CallerBudgets): Middleware<AppState> {
  // Not an async function: one promise fewer per request on cheap reads.
  return (ctx, next) => {
    const refusal = budgets.spend(principalOf(ctx));
    if (refusal) throw refusal;
    return next();
  };
}

import Router from '@koa/router';
import { z } from 'zod';
import { actingFor, type ActingForRule } from '../../shared/auth/acting-for.ts';
import { SCOPES } from '../../shared/auth/principal.ts';
import { cancelExchange } from '../../shared/exchanges/cancel.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { methodOf, resolveMethodParam } from '../../shared/http/method-param.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { SignInBody } from '../../shared/methods/method-module.ts';
import { signInOperation } from '../../shared/methods/operations.ts';
import { verifySignIn } from '../../shared/methods/sign-in-answer.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { subSchema } from '../../shared/validation/fields.ts';
import { signInContext } from './operation-context.ts';

/** A backend with `verification:service` acts for the user it names; anyone else only for itself. */
const FOR_A_USER: ActingForRule = { scope: SCOPES.service, action: "signing in another user", mustName: true };

const cancelQuery = z.object({ sub: subSchema.optional() }).strict();

/**
 * Sign-in, for every method (DESIGN §9): a challenge is started, verified or cancelled by the
 * user, or by a backend with the service scope for a user it names.
 */
export function authenticationRoutes(deps: Deps): Router<AppState> {
  const router = new Router<AppState>();
  const auth = authenticate(deps.verifyToken);
  resolveMethodParam(router, 'method');
  const subjectOf = (ctx: AppContext, body: SignInBody) => actingFor(principalOf(ctx), body.sub, FOR_A_USER);

  router.post('/verification-srv/authentication/:method/initiation', auth, async (ctx) => {
    const operation = signInOperation(methodOf(ctx), 'initiate');
    const body = parseInput(operation.body, ctx.request.body ?? {}, 'body');
    const context = signInContext(ctx, deps, subjectOf(ctx, body));
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = await operation.handle(context, body);
  });

  router.post('/verification-srv/authentication/:method/verification', auth, async (ctx) => {
    const operation = signInOperation(methodOf(ctx), 'verify');
    const body = parseInput(operation.body, ctx.request.body, 'body');
    const context = signInContext(ctx, deps, subjectOf(ctx, body));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await verifySignIn(operation, context, body, deps.assertions);
  });

  router.delete('/verification-srv/authentication/:method/:exchange_id', auth, async (ctx) => {
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    const query = parseInput(cancelQuery, ctx.query, 'query');
    const subject = actingFor(principalOf(ctx), query.sub, FOR_A_USER);
    ctx.body = await cancelExchange(deps.db, { kind: 'challenge', type: methodOf(ctx).type, exchangeId }, subject, { now: deps.clock(), events: securityEventsFor(ctx, deps.securityEvents) });
  });

  return router;
}

import Router from '@koa/router';
import { z } from 'zod';
import { cancelExchange } from '../../shared/exchanges/cancel.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { callerBudget } from '../../shared/http/middleware/caller-budget.ts';
import { stepUpProof } from '../../shared/http/middleware/step-up-proof.ts';
import { methodOf, resolveMethodParam } from '../../shared/http/method-param.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import { enrollmentOperation } from '../../shared/methods/operations.ts';
import { QR_FORMATS } from '../../shared/otp/qr.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { initiationContext, operationContext, userContext } from './operation-context.ts';

// Other parameters are ignored, as on every route.
const qrQuery = z.object({ qr: z.enum(QR_FORMATS).default('png') });

/**
 * The enrollment endpoints: started and managed by the profile UI, finished by it or by the app.
 * Generic over methods: each route parses the body with the schema of the method's operation
 * and calls it; a method without the operation answers 404 VER_0022.
 */
export function setupRoutes(deps: Deps): Router<AppState> {
  const { db, clock } = deps;
  const auth = authenticate(deps.verifyToken);
  const stepUp = stepUpProof(deps, (ctx) => methodOf(ctx).enrollment.initiateStepUp ?? 'initiate_enrollment');
  const router = new Router<AppState>();
  resolveMethodParam(router, 'method');
  // Responses carrying a secret must never be stored by a browser or proxy.
  const noStore = (ctx: AppContext) => ctx.set('Cache-Control', 'no-store');

  const initiate = async (ctx: AppContext) => {
    const operation = enrollmentOperation(methodOf(ctx), 'initiate');
    const body = parseInput(operation.body, ctx.request.body ?? {}, 'body');
    const { qr } = parseInput(qrQuery, ctx.query, 'query');
    noStore(ctx);
    ctx.status = 201;
    ctx.body = await operation.handle(initiationContext(ctx, deps, qr), body);
  };
  router.post('/verification-actions-srv/setup/:method/initiation', auth, stepUp, initiate);
  router.post('/verification-srv/v2/setup/initiate/:method', auth, stepUp, initiate);

  // Rotation, resend and cancel need no step-up: none adds a factor, and each needs the
  // exchange id, which only the (stepped-up) initiation handed out. Rotation counts as an
  // initiation and resend has its send limits; cancel, limited by nothing else, spends the
  // caller's request budget (REQUEST_RATE_LIMIT).

  router.post('/verification-actions-srv/setup/:method/rotation/:exchange_id', auth, async (ctx) => {
    const operation = enrollmentOperation(methodOf(ctx), 'rotate');
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    const { qr } = parseInput(qrQuery, ctx.query, 'query');
    noStore(ctx);
    ctx.body = await operation.handle(userContext(ctx, deps, qr), exchangeId);
  });

  router.post('/verification-actions-srv/setup/:method/resend/:exchange_id', auth, async (ctx) => {
    const operation = enrollmentOperation(methodOf(ctx), 'resend');
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    noStore(ctx);
    ctx.body = await operation.handle(userContext(ctx, deps), exchangeId);
  });

  router.delete('/verification-actions-srv/setup/:method/:exchange_id', auth, callerBudget(deps.callerBudgets), async (ctx) => {
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    const { tenantId, sub } = principalOf(ctx);
    ctx.body = await cancelExchange(db, { kind: 'enrollment', type: methodOf(ctx).type, exchangeId }, { tenantId, sub }, { now: clock(), events: securityEventsFor(ctx, deps.securityEvents) });
  });

  router.post('/verification-actions-srv/setup/:method/verification', auth, async (ctx) => {
    const operation = enrollmentOperation(methodOf(ctx), 'verify');
    const body = parseInput(operation.body, ctx.request.body, 'body');
    ctx.body = await operation.handle(userContext(ctx, deps), body);
  });

  // The app holds no user token: the exchange id it read from the QR code is its capability.
  router.post('/verification-actions-srv/setup/:method/scan', async (ctx) => {
    const operation = enrollmentOperation(methodOf(ctx), 'scan');
    const body = parseInput(operation.body, ctx.request.body, 'body');
    ctx.body = await operation.handle(operationContext(ctx, deps), body);
  });

  router.post('/verification-srv/v2/setup/enroll/:method', async (ctx) => {
    const operation = enrollmentOperation(methodOf(ctx), 'enroll');
    const body = parseInput(operation.body, ctx.request.body, 'body');
    ctx.body = await operation.handle(operationContext(ctx, deps), body);
  });

  return router;
}

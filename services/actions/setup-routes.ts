import Router from '@koa/router';
import type { z } from 'zod';
import { cancelEnrollment } from '../../shared/enrollment/cancel.ts';
import { completeFromApp, completeFromProfile } from '../../shared/enrollment/complete-enrollment.ts';
import { initiateEnrollment } from '../../shared/enrollment/initiate.ts';
import { rotateEnrollment } from '../../shared/enrollment/rotate.ts';
import { recordScan } from '../../shared/enrollment/scan.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { stepUpOf, stepUpProof } from '../../shared/http/middleware/step-up-proof.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { parseVerificationType } from '../../shared/tenants/method-settings.ts';
import { presentationFor } from './presentation.ts';
import { enrollBody, initiationBody, profileVerificationBody, scanBody } from './schemas.ts';

/** The enrollment endpoints: started and managed by the profile UI, finished by it or by the app. */
export function setupRoutes(deps: Deps): Router<AppState> {
  const { db, clock, config } = deps;
  const keyring = config.secretKeyring;
  const auth = authenticate(deps.verifyToken);
  const stepUp = stepUpProof(deps, 'initiate_enrollment');
  const router = new Router<AppState>();
  const owner = (ctx: AppContext) => {
    const { tenantId, sub } = principalOf(ctx);
    return { tenantId, sub };
  };
  // What the authenticator app identifies itself with; ids are compared in lower case.
  const appRequest = (body: z.infer<typeof scanBody>) => ({
    exchangeId: body.exchange_id.toLowerCase(),
    clientId: body.client_id.toLowerCase(),
    deviceId: body.device_id,
    pushId: body.push_id,
    now: clock(),
  });
  // Responses carrying a secret must never be stored by a browser or proxy.
  const noStore = (ctx: AppContext) => ctx.set('Cache-Control', 'no-store');

  const initiate = async (ctx: AppContext) => {
    const principal = principalOf(ctx);
    const type = parseVerificationType(ctx.params.method!);
    const body = parseInput(initiationBody, ctx.request.body ?? {}, 'body');
    noStore(ctx);
    ctx.status = 201;
    ctx.body = await initiateEnrollment(db, {
      tenantId: principal.tenantId,
      sub: principal.sub,
      type,
      authenticatorClientId: body.client_id?.toLowerCase(),
      presentation: presentationFor(ctx, principal, config),
      keyring,
      stepUp: stepUpOf(ctx),
      initiationLimit: config.initiationRateLimit,
      now: clock(),
    });
  };
  router.post('/verification-actions-srv/setup/:method/initiation', auth, stepUp, initiate);
  router.post('/verification-srv/v2/setup/initiate/:method', auth, stepUp, initiate);

  // Rotation and cancel need no step-up: neither adds a factor, and both need the exchange id,
  // which only the (stepped-up) initiation handed out.

  router.post('/verification-actions-srv/setup/:method/rotation/:exchange_id', auth, async (ctx) => {
    parseVerificationType(ctx.params.method!);
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    noStore(ctx);
    ctx.body = await rotateEnrollment(db, {
      exchangeId,
      owner: owner(ctx),
      presentation: presentationFor(ctx, principalOf(ctx), config),
      keyring,
      initiationLimit: config.initiationRateLimit,
      now: clock(),
    });
  });

  router.delete('/verification-actions-srv/setup/:method/:exchange_id', auth, async (ctx) => {
    parseVerificationType(ctx.params.method!);
    const exchangeId = parseIdParam(ctx.params.exchange_id, 'exchange_id');
    ctx.body = await cancelEnrollment(db, exchangeId, owner(ctx), clock());
  });

  router.post('/verification-actions-srv/setup/:method/verification', auth, async (ctx) => {
    parseVerificationType(ctx.params.method!);
    const body = parseInput(profileVerificationBody, ctx.request.body, 'body');
    ctx.body = await completeFromProfile(db, {
      exchangeId: body.exchange_id.toLowerCase(),
      passCode: body.pass_code,
      owner: owner(ctx),
      now: clock(),
      keyring,
      events: securityEventsFor(ctx, deps.securityEvents),
    });
  });

  // The app holds no user token: the exchange id it read from the QR code is its capability.
  router.post('/verification-actions-srv/setup/:method/scan', async (ctx) => {
    parseVerificationType(ctx.params.method!);
    ctx.body = await recordScan(db, appRequest(parseInput(scanBody, ctx.request.body, 'body')));
  });

  router.post('/verification-srv/v2/setup/enroll/:method', async (ctx) => {
    parseVerificationType(ctx.params.method!);
    const body = parseInput(enrollBody, ctx.request.body, 'body');
    ctx.body = await completeFromApp(db, {
      ...appRequest(body),
      publicKey: body.public_key,
      passCode: body.pass_code,
      keyring,
      events: securityEventsFor(ctx, deps.securityEvents),
    });
  });

  return router;
}

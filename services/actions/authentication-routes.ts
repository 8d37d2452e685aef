import Router from '@koa/router';
import { SCOPES, hasScope, insufficientScope } from '../../shared/auth/principal.ts';
import { verifySignIn } from '../../shared/authenticators/sign-in.ts';
import { VerificationError } from '../../shared/errors/verification-error.ts';
import { authenticate, principalOf } from '../../shared/http/middleware/authenticate.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { parseVerificationType } from '../../shared/tenants/method-settings.ts';
import { signInBody } from './schemas.ts';

/** Sign-in: a user proves a code, or a backend with the service scope checks one for a user. */
export function authenticationRoutes({ db, clock, config, verifyToken, securityEvents, assertions }: Deps): Router<AppState> {
  const router = new Router<AppState>();

  router.post('/verification-srv/authentication/:method/verification', authenticate(verifyToken), async (ctx) => {
    const principal = principalOf(ctx);
    const type = parseVerificationType(ctx.params.method!);
    const body = parseInput(signInBody, ctx.request.body, 'body');
    const isService = hasScope(principal, SCOPES.service);
    if (isService && body.sub === undefined) throw new VerificationError('INVALID_REQUEST', 'sub: required with a service token');
    if (!isService && body.sub !== undefined && body.sub !== principal.sub) {
      throw insufficientScope(SCOPES.service, `verifying another user's code needs the scope ${SCOPES.service}`);
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await verifySignIn(db, {
      tenantId: principal.tenantId,
      sub: body.sub ?? principal.sub,
      type,
      passCode: body.pass_code,
      now: clock(),
      keyring: config.secretKeyring,
      events: securityEventsFor(ctx, securityEvents),
      assertions,
      onUnreadableSecret: (phId, err) =>
        ctx.state.log.error({ phId, err: err instanceof Error ? err.message : String(err) }, 'authenticator secret cannot be decrypted'),
    });
  });

  return router;
}

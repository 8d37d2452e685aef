import Router from '@koa/router';
import { z } from 'zod';
import type { AppState } from '../../shared/http/types.ts';
import { securityEventsFor } from '../../shared/http/security-events.ts';
import { parseInput } from '../../shared/http/validate.ts';
import { answerChallenge } from '../../shared/methods/push/answer.ts';
import { responseBody } from '../../shared/methods/push/bodies.ts';
import { ChallengeInbox } from '../../shared/methods/push/challenge-inbox.ts';
import { useDeviceTokenAndListPending, verifyDeviceToken } from '../../shared/methods/push/device-token.ts';
import { pendingChallenges } from '../../shared/methods/push/pending.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

/** Long polls are held at most this long, like the status service's. */
export const MAX_WAIT_SECONDS = 30;
const pendingQuery = z.object({ wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).optional() });

/**
 * The PUSH device's own endpoints (DESIGN §10), authenticated by its enrolled key
 * (`Authorization: Device <jws>`), not by a user token: its pending challenges (long poll) and
 * its signed answers.
 */
export function pushDeviceRoutes(deps: Deps): Router<AppState> {
  const router = new Router<AppState>();
  const inbox = new ChallengeInbox(deps.db);

  router.get('/verification-srv/v2/devices/challenges', async (ctx) => {
    const { wait } = parseInput(pendingQuery, ctx.query, 'query');
    const token = await verifyDeviceToken(deps.db, ctx.get('authorization'), deps.clock());
    const aborted = new AbortController();
    ctx.req.once('close', () => aborted.abort());
    // The token's jti is recorded in the statement of the first read: nothing is served before it is.
    const challenges = await pendingChallenges(
      { db: deps.db, inbox, clock: deps.clock, onRelease: (handler) => deps.statusHub.onRelease(handler) },
      { device: token.device, firstRead: () => useDeviceTokenAndListPending(deps.db, token, deps.clock()), waitMs: (wait ?? 0) * 1000, signal: aborted.signal },
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { challenges };
  });

  router.post('/verification-srv/v2/authenticate/push/response', async (ctx) => {
    const body = parseInput(responseBody, ctx.request.body, 'body');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await answerChallenge(
      { db: deps.db, keyring: deps.config.secretKeyring, events: securityEventsFor(ctx, deps.securityEvents), now: deps.clock() },
      body.response,
    );
  });

  return router;
}

import Router from '@koa/router';
import { z } from 'zod';
import { readDevOutbox } from '../../shared/delivery/dev-outbox.ts';
import type { AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

const outboxQuery = z.object({ to: z.string().min(1).max(320) });

/**
 * Development only (never mounted in production): the latest messages the `log` provider sent
 * to a destination, codes included, so a developer, the demo pages or a test can read a code
 * without a phone or a mailbox.
 */
export function devOutboxRoutes({ db, config }: Deps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/verification-srv/dev/outbox', async (ctx) => {
    const { to } = parseInput(outboxQuery, ctx.query, 'query');
    const outbox = await readDevOutbox(db, config.secretKeyring, to);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      to: outbox.to,
      messages: outbox.messages.map((m) => ({
        id: m.id,
        channel: m.channel,
        to: m.to,
        code: m.code,
        text: m.text,
        ...(m.subject !== undefined ? { subject: m.subject, html: m.html } : {}),
        sent_at: m.sentAt.toISOString(),
      })),
    };
  });
  return router;
}

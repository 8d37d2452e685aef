import Router from '@koa/router';
import { z } from 'zod';
import { waitForStatus } from '../../shared/events/wait-for-status.ts';
import { namesEtag } from '../../shared/http/entity-tag.ts';
import { parseIdParam } from '../../shared/http/params.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { VersionedStatus } from '../../shared/status/status-document.ts';
import { representationOf } from './status-representation.ts';

export const MAX_WAIT_SECONDS = 30;
// Other parameters are ignored: polling front ends add cache-busters such as `?_=<timestamp>`.
const statusQuery = z.object({ wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).optional() });
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Whether the caller's `If-None-Match` names this version: the exact tag a poller sends back
 * is checked first (the hot path), any other form (a list, `W/`, `*`) per RFC 9110.
 */
function matchesKnown(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch === etag || (ifNoneMatch !== '' && namesEtag(ifNoneMatch, etag));
}

function respond(ctx: AppContext, status: VersionedStatus): void {
  const { etag, body } = representationOf(status);
  ctx.set('ETag', etag);
  // Not the service-wide `no-store`: a status document is polled every few seconds with
  // If-None-Match, and `no-cache` lets a browser keep the last one and revalidate it by its ETag
  // on every poll (a 304 with no body). It carries no secret, only what any status-id holder sees.
  ctx.set('Cache-Control', 'no-cache');
  ctx.state.routineRead = true;
  if (matchesKnown(ctx.get('if-none-match'), etag)) {
    ctx.status = 304;
    return;
  }
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = body;
}

/** The version an `If-None-Match` of this id names: the caller has seen at least that one. */
function knownVersion(etag: string, statusId: string): number {
  const prefix = `"${statusId}.`;
  if (!etag.startsWith(prefix) || !etag.endsWith('"')) return 0;
  const version = Number(etag.slice(prefix.length, -1));
  return Number.isSafeInteger(version) && version > 0 ? version : 0;
}

/**
 * The status service: anyone holding a status id may watch it (it completes nothing). Reads
 * come from the per-process cache the status events keep exact (see StatusHub.read). `?wait=N`
 * holds the request until the status moves past the one the caller has (its If-None-Match, or
 * the current one) or N seconds pass.
 */
export function statusRoutes(deps: Deps): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/verification-srv/verificationstatus/:status_id', async (ctx) => {
    const statusId = parseIdParam(ctx.params.status_id, 'status_id');
    // Most polls carry no query at all: skip parsing one.
    const { wait } = ctx.querystring === '' ? {} : parseInput(statusQuery, ctx.query, 'query');
    const known = ctx.get('if-none-match');
    const current = await deps.statusHub.read(statusId, known === '' ? 0 : knownVersion(known, statusId));
    if (!wait || (known && !matchesKnown(known, representationOf(current).etag))) return respond(ctx, current);

    const aborted = new AbortController();
    ctx.req.once('close', () => aborted.abort());
    const next = await waitForStatus(deps, {
      statusId,
      afterVersion: current.version,
      waitMs: wait * 1000,
      signal: aborted.signal,
    }).catch((err: unknown) => {
      if (aborted.signal.aborted) return current;
      throw err;
    });
    respond(ctx, next);
  });

  return router;
}

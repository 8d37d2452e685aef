import { createHash } from 'node:crypto';
import type { AppContext } from './types.ts';

/** A strong ETag for these bytes: it changes exactly when they do. */
export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/**
 * Whether an `If-None-Match` value names `etag` (RFC 9110 §13.1.2: weak comparison, a list, `*`).
 * Compared here rather than with Koa's `ctx.fresh`, which ignores validators whenever the
 * request says `Cache-Control: no-cache`, as `fetch()` adds to every conditional request.
 */
export function namesEtag(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Answers `value` as JSON with its ETag, or with a bodiless 304 when the request's
 * `If-None-Match` names it: a page polling a list that rarely changes then costs no body.
 * The service-wide `no-store` stays: the client revalidates by sending the ETag itself.
 */
export function sendJsonWithEtag(ctx: AppContext, value: unknown): void {
  const body = JSON.stringify(value);
  const etag = etagOf(body);
  ctx.set('ETag', etag);
  const ifNoneMatch = ctx.get('If-None-Match');
  if (ifNoneMatch && namesEtag(ifNoneMatch, etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = body;
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { etagOf, namesEtag } from './entity-tag.ts';
import type { AppContext } from './types.ts';

/** The content types files may be served with; any other extension is not served at all. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file read for serving: its bytes, content type and strong ETag. */
export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * Reads `path` (which the caller has already resolved from an allow-list, never from raw request
 * input). The ETag is a hash of the bytes, so it changes exactly when the file does.
 *
 * @throws Error when the extension has no content type, or the file cannot be read.
 */
export async function readStaticFile(path: string): Promise<StaticFile> {
  const type = CONTENT_TYPES[extname(path)];
  if (!type) throw new Error(`no content type for ${extname(path) || 'a file without extension'}`);
  const body = await readFile(path);
  return { body, type, etag: etagOf(body) };
}

/**
 * Answers with `file`, or with a bodiless 304 when the request's `If-None-Match` names its ETag.
 * `cacheControl` replaces the service-wide `no-store`: static files are the same for everyone.
 */
export function sendStaticFile(ctx: AppContext, file: StaticFile, cacheControl: string): void {
  ctx.set('Cache-Control', cacheControl);
  ctx.set('ETag', file.etag);
  const ifNoneMatch = ctx.get('If-None-Match');
  if (ifNoneMatch && namesEtag(ifNoneMatch, file.etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = file.type;
  ctx.body = file.body;
}

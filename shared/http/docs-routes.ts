import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { AppState } from './types.ts';

const SPEC_FILE = new URL('../../openapi.yaml', import.meta.url);
// The WebSocket's contract, which openapi.yaml refers to as "next to this file".
const ASYNC_SPEC_FILE = new URL('../../asyncapi.yaml', import.meta.url);
// Served from the installed package, so the reference works with no internet access.
const REDOC_SCRIPT = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

export const DOCS_SCRIPT_PATH = '/docs/redoc.standalone.js';

// Redoc renders client-side: it fetches the spec from this origin and injects its own styles.
// Nothing else is allowed, so the page never reaches out to the internet (not even for Redoc's logo).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verification service API</title>
<style>body { margin: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.yaml"></redoc>
<script src="${DOCS_SCRIPT_PATH}"></script>
</body>
</html>
`;

/** Reads a file once per process; a failed read is retried on the next request. */
function cachedFile<T extends string | Buffer>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}

const spec = cachedFile(() => readFile(SPEC_FILE, 'utf8'));
const asyncSpec = cachedFile(() => readFile(ASYNC_SPEC_FILE, 'utf8'));
const script = cachedFile(() => readFile(REDOC_SCRIPT));

/** The API reference: the OpenAPI and AsyncAPI documents themselves and a Redoc page rendering the first. */
export function docsRoutes(): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/openapi.yaml', async (ctx) => {
    ctx.type = 'application/yaml';
    ctx.body = await spec();
  });

  router.get('/asyncapi.yaml', async (ctx) => {
    ctx.type = 'application/yaml';
    ctx.body = await asyncSpec();
  });

  router.get('/docs', (ctx) => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.type = 'text/html';
    ctx.body = PAGE;
  });

  router.get(DOCS_SCRIPT_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = 'application/javascript';
    ctx.body = await script();
  });

  return router;
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { mintDemoSession } from '../../shared/demo/demo-session.ts';
import { readStaticFile, sendStaticFile } from '../../shared/http/static-file.ts';
import type { AppContext, AppState } from '../../shared/http/types.ts';
import { parseInput } from '../../shared/http/validate.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { VENDOR_LIBRARIES } from './vendor-libraries.ts';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** The pages, by path (`/demo` also answers `/demo/`). Their scripts and styles are under /demo/assets/ and /demo/methods/. */
const PAGES = {
  '/demo': 'profile.html',
  '/demo/login': 'login.html',
  '/demo/authenticator': 'authenticator.html',
} as const;

/** Served folders, each flat: a name is one path segment, so `..` or `/` can never reach out. */
const FOLDERS = { assets: join(PUBLIC_DIR, 'assets'), methods: join(PUBLIC_DIR, 'methods') } as const;
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(?:js|css|svg)$/;

// Scripts only from this origin (no inline script or style, no eval), requests only to this
// origin (HTTP and the status WebSocket), images from here or data: URLs (the QR code), and
// Trusted Types enforced so no string can ever become markup.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const DEMO_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  // The companion may scan with the camera; nothing else is asked for.
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
};

// Own files revalidate on every load (ETag), so an edited page shows at once; installed
// libraries change only with `npm ci`, so a day is fine.
const REVALIDATE = 'no-cache';
const VENDOR_CACHE = 'public, max-age=86400';

const demoHeaders: Middleware<AppState> = async (ctx, next) => {
  ctx.set(DEMO_HEADERS);
  await next();
};

const sessionBody = z
  .object({
    sub: z.string().regex(/^[A-Za-z0-9_.@+-]{1,64}$/, '1 to 64 letters, digits or . _ @ + -'),
    tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, '1 to 128 letters, digits or . _ -').optional(),
  })
  .strict();

/** Serves `path`, or leaves the request unanswered (a 404 like any unknown path) when it does not exist. */
async function serveFile(ctx: AppContext, path: string, cacheControl: string): Promise<void> {
  try {
    sendStaticFile(ctx, await readStaticFile(path), cacheControl);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * The demo pages (DESIGN §14): a profile page, a sign-in page and a companion authenticator,
 * plain ES modules served as they are, plus `POST /demo/session`, which mints a demo user's
 * token. Mounted only when `DEMO` is on, which production refuses.
 */
export function demoRoutes({ config }: Deps): Router<AppState> {
  const router = new Router<AppState>();

  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, demoHeaders, (ctx) => serveFile(ctx, join(PUBLIC_DIR, file), REVALIDATE));
  }

  for (const [folder, dir] of Object.entries(FOLDERS)) {
    router.get(`/demo/${folder}/:file`, demoHeaders, async (ctx) => {
      const name = ctx.params.file!;
      if (FILE_NAME.test(name)) await serveFile(ctx, join(dir, name), REVALIDATE);
    });
  }

  router.get('/demo/vendor/:file', demoHeaders, async (ctx) => {
    const name = ctx.params.file!;
    const locate = Object.hasOwn(VENDOR_LIBRARIES, name) ? VENDOR_LIBRARIES[name] : undefined;
    if (locate) await serveFile(ctx, locate(), VENDOR_CACHE);
  });

  router.post('/demo/session', async (ctx) => {
    const body = parseInput(sessionBody, ctx.request.body, 'body');
    ctx.status = 201;
    ctx.body = await mintDemoSession(config, body);
  });

  return router;
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import type { AppState } from '../../../shared/http/types.ts';

const PAGE_FILE = new URL('./page.html', import.meta.url);
const SCRIPT_FILE = new URL('./ceremony.js', import.meta.url);

export const DEV_WEBAUTHN_PATH = '/verification-srv/dev/webauthn';

// Only this origin's two scripts run; the page fetches nothing, so it needs no connect-src.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A page that runs `navigator.credentials.create/get` with options it is given and shows the
 * response JSON: for trying FIDO2/TOUCHID by hand and for the browser tests. It holds no state
 * and reads no token. Mounted outside production only.
 */
export function devWebauthnRoutes(): Router<AppState> {
  // The package exports only its entry point, so the browser bundle is found next to it.
  const browserPackage = dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')));
  const bundleFile = join(browserPackage, 'dist', 'bundle', 'index.umd.min.js');
  const router = new Router<AppState>();
  const serve = (path: string, file: URL | string, type: string) =>
    router.get(path, async (ctx) => {
      ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = type;
      ctx.body = await readFile(file);
    });
  serve(DEV_WEBAUTHN_PATH, PAGE_FILE, 'text/html');
  serve(`${DEV_WEBAUTHN_PATH}/ceremony.js`, SCRIPT_FILE, 'application/javascript');
  serve(`${DEV_WEBAUTHN_PATH}/simplewebauthn-browser.js`, bundleFile, 'application/javascript');
  return router;
}

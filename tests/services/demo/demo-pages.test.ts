import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/env.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { productionEnv, startProductionServer } from '../../helpers/production.ts';
import { rawExchange } from '../../helpers/raw-http.ts';
import { startTestServer, testConfig, type TestServer } from '../../helpers/test-server.ts';

// How the demo pages are served (DESIGN §14): plain files with a strict CSP, the right content
// types and caching, nothing outside their folders, libraries only from an allow-list, and
// nothing at all unless DEMO is on, which production refuses.

const require = createRequire(import.meta.url);
const PUBLIC = new URL('../../../services/demo/public/', import.meta.url);
const PAGES = ['/demo', '/demo/', '/demo/login', '/demo/authenticator'];

let server: TestServer;
let demoOff: TestServer;
let production: TestServer;
beforeAll(async () => {
  [server, demoOff, production] = await Promise.all([startTestServer(), startTestServer({ env: { DEMO: 'false' } }), startProductionServer()]);
});
afterAll(() => Promise.all([server?.close(), demoOff?.close(), production?.close()]));

describe('the demo pages', () => {
  it.each(PAGES)('%s is an HTML page that revalidates its cache', async (path) => {
    const res = await request<string>(`${server.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it.each(PAGES)('%s runs only scripts of this origin and connects only to it', async (path) => {
    const policy = (await request(`${server.url}${path}`)).headers.get('content-security-policy')!.split('; ');
    expect(policy).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "require-trusted-types-for 'script'",
      ]),
    );
    expect(policy.join('; ')).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it.each(['profile.html', 'login.html', 'authenticator.html'])('%s has no inline script, style or handler and refers to nothing elsewhere', async (file) => {
    const html = await readFile(new URL(file, PUBLIC), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('answers a revalidation of an unchanged page with a bodiless 304', async () => {
    const first = await request(`${server.url}/demo/login`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await request(`${server.url}/demo/login`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('GET /demo/assets/{file} and /demo/methods/{file}', () => {
  it('serves the modules as JavaScript and the stylesheet as CSS, byte for byte', async () => {
    const script = await request<string>(`${server.url}/demo/assets/profile.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe(await readFile(new URL('assets/profile.js', PUBLIC), 'utf8'));
    const style = await request<string>(`${server.url}/demo/assets/demo.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const method = await request<string>(`${server.url}/demo/methods/totp.js`);
    expect(method.status).toBe(200);
    expect(method.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(method.headers.get('cache-control')).toBe('no-cache');
  });

  it.each([
    '/demo/assets/..%2f..%2froutes.ts',
    '/demo/assets/..%2fprofile.html',
    '/demo/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f..%2fpackage.json',
    '/demo/methods/..%2fassets%2fprofile.js',
    '/demo/assets/..%5c..%5croutes.ts',
    '/demo/assets/profile.js%00.css',
    '/demo/assets/.hidden.js',
    '/demo/assets/demo.css.map',
    '/demo/assets/nothing-here.js',
    '/demo/vendor/..%2f..%2fpackage.json',
  ])('%s is an unknown path (404), whatever it tries to reach', async (path) => {
    expectProblem(await request(`${server.url}${path}`), 404, 'VER_0005');
  });

  it.each(['/demo/assets/', '/demo/methods/', '/demo/vendor/', '/demo/assets/../routes.ts', '/demo/assets/./profile.js/..'])(
    '%s (sent as it is, not normalised) lists and reaches nothing',
    async (path) => {
      const res = await rawExchange(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );
});

describe('GET /demo/vendor/{file}', () => {
  it.each([
    ['jsqr.js', require.resolve('jsqr')],
    ['otpauth.js', join(dirname(require.resolve('otpauth')), 'otpauth.esm.min.js')],
    ['simplewebauthn-browser.js', join(dirname(dirname(require.resolve('@simplewebauthn/browser'))), 'dist/bundle/index.umd.min.js')],
  ])('serves %s from the installed package, cached for a day', async (name, file) => {
    const res = await request<string>(`${server.url}/demo/vendor/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(res.body).toBe(await readFile(file, 'utf8'));
  });

  it.each(['qrcode.js', 'jose.js', 'package.json', 'otpauth.node.cjs', 'toString', 'constructor', '__proto__'])(
    'serves no other file of node_modules (%s)',
    async (name) => {
      expectProblem(await request(`${server.url}/demo/vendor/${name}`), 404, 'VER_0005');
    },
  );
});

describe('the demo is off', () => {
  const everything = [...PAGES, '/demo/assets/profile.js', '/demo/methods/totp.js', '/demo/vendor/jsqr.js'];

  it.each(everything)('with DEMO=false: %s does not exist', async (path) => {
    expectProblem(await request(`${demoOff.url}${path}`), 404, 'VER_0005');
  });

  it.each(everything)('in production (by default): %s does not exist', async (path) => {
    expectProblem(await request(`${production.url}${path}`), 404, 'VER_0005');
  });

  it('is on by default outside production, off in production', () => {
    expect(testConfig(undefined).demo).toBe(true);
    expect(loadConfig(productionEnv()).demo).toBe(false);
  });

  it('cannot be switched on in production: the start fails naming DEMO', () => {
    expect(() => loadConfig(productionEnv({ DEMO: 'true' }))).toThrow(ConfigError);
    expect(() => loadConfig(productionEnv({ DEMO: 'true' }))).toThrow(/^DEMO: cannot be true in production/);
    expect(loadConfig(productionEnv({ DEMO: 'false' })).demo).toBe(false);
  });
});

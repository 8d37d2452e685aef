import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startProductionServer } from '../../helpers/production.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const PAGE = '/verification-srv/dev/webauthn';
const SCRIPTS = [`${PAGE}/ceremony.js`, `${PAGE}/simplewebauthn-browser.js`];

let server: TestServer;
let production: TestServer;
beforeAll(async () => {
  [server, production] = await Promise.all([startTestServer(), startProductionServer()]);
});
afterAll(() => Promise.all([server?.close(), production?.close()]));

describe('GET /verification-srv/dev/webauthn (outside production)', () => {
  it('serves the ceremony page, loading only scripts of this server', async () => {
    const res = await request<string>(`${server.url}${PAGE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const script of SCRIPTS) expect(res.body).toContain(`<script src="${script}"></script>`);
    expect(res.body).not.toMatch(/https?:\/\//);
  });

  it('forbids the page any script, frame or fetch from elsewhere', async () => {
    const policy = (await request(`${server.url}${PAGE}`)).headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('serves the page script, which exposes register and authenticate', async () => {
    const res = await request<string>(`${server.url}${PAGE}/ceremony.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.body).toContain('window.webauthnCeremony');
  });

  it('serves @simplewebauthn/browser from the installed package', async () => {
    const res = await request<string>(`${server.url}${PAGE}/simplewebauthn-browser.js`);
    expect(res.status).toBe(200);
    const installed = join(dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser'))), 'dist/bundle/index.umd.min.js');
    expect(res.body).toBe(await readFile(installed, 'utf8'));
  });

  it('reads no token and holds nothing of a user: any caller gets the same bytes', async () => {
    const anonymous = await request<string>(`${server.url}${PAGE}`);
    const withForeignToken = await request<string>(`${server.url}${PAGE}`, { token: await server.token({ sub: 'mallory', tenant: 'other' }) });
    const withBrokenToken = await request<string>(`${server.url}${PAGE}`, { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(withForeignToken).toMatchObject({ status: 200, body: anonymous.body });
    expect(withBrokenToken).toMatchObject({ status: 200, body: anonymous.body });
  });
});

describe('GET /verification-srv/dev/webauthn in production', () => {
  it.each([PAGE, ...SCRIPTS])('%s does not exist', async (path) => {
    expectProblem(await request(`${production.url}${path}`), 404, 'VER_0005');
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAuthenticator, enrollmentClient } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { freePort } from '../../helpers/processes.ts';
import { rawExchange, type RawResponse } from '../../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// `plain` is published over http (no PUBLIC_BASE_URL); `published` over https, with /metrics
// moved to a port of its own.
let plain: TestServer;
let published: TestServer;
let metricsUrl: string;
beforeAll(async () => {
  plain = await startTestServer();
  const metricsPort = await freePort();
  published = await startTestServer({ env: { PUBLIC_BASE_URL: 'https://verify.example.test', METRICS_PORT: String(metricsPort) } });
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
});
afterAll(async () => {
  await plain?.close();
  await published?.close();
});

const WS_HANDSHAKE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** A WebSocket handshake the server refuses, read as plain HTTP. */
function refusedHandshake(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawExchange(url, { headers: { ...WS_HANDSHAKE, ...headers } });
}

describe('X-Content-Type-Options: nosniff', () => {
  it.each([
    ['a JSON answer', '/healthz', 200],
    ['a problem answer', '/verification-srv/config/list', 401],
    ['an unknown path', '/no/such/path', 404],
    ['an unknown status id', `/verification-srv/verificationstatus/${randomUUID()}`, 404],
    ['the metrics', '/metrics', 200],
    ['the docs page', '/docs', 200],
    ['the OpenAPI document', '/openapi.yaml', 200],
    ['the AsyncAPI document', '/asyncapi.yaml', 200],
  ])('is on %s', async (_what, path, status) => {
    const res = await request(`${plain.url}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is on a method the path does not allow', async () => {
    const res = await request(`${plain.url}/verification-srv/config/list`, { method: 'PATCH' });
    expectProblem(res, 405, 'VER_0006');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is on a WebSocket handshake refused for its path', async () => {
    const res = await refusedHandshake(`${plain.url}/verification-srv/elsewhere`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('is on a malformed WebSocket handshake, answered as problem+json naming the supported version', async () => {
    const res = await refusedHandshake(`${plain.url}/verification-srv/ws`, { 'sec-websocket-version': '7' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VER_0001', status: 400 });
    expect(res.headers['sec-websocket-version']).toBe('13, 8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('Cache-Control', () => {
  it('is no-store on the device list', async () => {
    const token = await plain.token({ sub: `devices-${randomUUID()}` });
    await enrollAuthenticator(plain, token);
    const res = await enrollmentClient(plain).devices(token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is no-store on a renamed device', async () => {
    const token = await plain.token({ sub: `rename-${randomUUID()}` });
    const { phId } = await enrollAuthenticator(plain, token);
    const res = await enrollmentClient(plain).rename(token, phId, 'Work phone');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['/verification-srv/config/list', '/verification-srv/config/totp'])("is no-store on the tenant's %s", async (path) => {
    const res = await request(`${plain.url}${path}`, { token: await plain.token({ sub: 'alice' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is no-store on errors', async () => {
    const res = await request(`${plain.url}/verification-actions-srv/devices`);
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is no-cache on a status document and its 304, which pollers revalidate by ETag', async () => {
    const api = enrollmentClient(plain);
    const { body: offer } = await api.initiate(await plain.token({ sub: `poller-${randomUUID()}` }));
    const first = await api.status(offer.status_id);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await api.status(offer.status_id, { 'if-none-match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('no-cache');
  });
});

describe('Strict-Transport-Security', () => {
  it('is sent, for a year and with subdomains, when PUBLIC_BASE_URL is https', async () => {
    const res = await request(`${published.url}/healthz`);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('is sent on errors too', async () => {
    const res = await request(`${published.url}/verification-srv/config/list`);
    expect(res.status).toBe(401);
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+; includeSubDomains$/);
  });

  it('is not sent when the service is not published over https', async () => {
    expect((await request(`${plain.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own port', async () => {
    const res = await request<string>(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('counts the API port requests there', async () => {
    await request(`${published.url}/verification-srv/config/list`, { token: await published.token({ sub: 'alice' }) });
    const res = await request<string>(`${metricsUrl}/metrics`);
    expect(res.body).toMatch(/^http_requests_total\{method="GET",route="\/verification-srv\/config\/list",status="200"\} [1-9]/m);
  });

  it('answers 404 for /metrics on the API port', async () => {
    expectProblem(await request(`${published.url}/metrics`), 404, 'VER_0005');
  });

  it('serves nothing but /metrics on the metrics port', async () => {
    expectProblem(await request(`${metricsUrl}/healthz`), 404, 'VER_0005');
    expectProblem(await request(`${metricsUrl}/verification-srv/config/list`), 404, 'VER_0005');
  });
});

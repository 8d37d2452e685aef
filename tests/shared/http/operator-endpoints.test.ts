import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../shared/db/migrations.ts';
import { request } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GET /healthz', () => {
  it('answers 200 without a token', async () => {
    const res = await request(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 on a reachable, fully migrated database', async () => {
    const res = await request(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('answers 503 naming the pending migration while one is not applied', async () => {
    const behind = await startTestServer();
    try {
      const [rolledBack] = await migrate(behind.deps.db, 'down');
      const res = await request<{ status: string; checks: { migrations: string } }>(`${behind.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('not_ready');
      expect(res.body.checks.migrations).toContain(rolledBack!.name);
    } finally {
      await behind.close();
    }
  });

  it('is never cached', async () => {
    expect((await request(`${server.url}/readyz`)).headers.get('cache-control')).toBe('no-store');
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format', async () => {
    const res = await request(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
  });

  it('counts requests by route template, status and method', async () => {
    const token = await server.token({ sub: 'alice' });
    await request(`${server.url}/verification-srv/config/list`, { token });
    const res = await request<string>(`${server.url}/metrics`);
    expect(res.body).toMatch(/^http_requests_total\{[^}]*route="\/verification-srv\/config\/list"[^}]*\} [1-9]/m);
    expect(res.body).toMatch(/^http_requests_total\{method="GET",route="\/verification-srv\/config\/list",status="200"\}/m);
  });

  it('labels a path with an id by its template, never the raw path', async () => {
    const token = await server.token({ sub: 'alice' });
    await request(`${server.url}/verification-srv/config/totp`, { token });
    const res = await request<string>(`${server.url}/metrics`);
    expect(res.body).toContain('route="/verification-srv/config/:type"');
    expect(res.body).not.toContain('route="/verification-srv/config/totp"');
  });

  it('labels unknown paths as unmatched, so scanners cannot inflate the label set', async () => {
    await request(`${server.url}/wp-admin/${Date.now()}`);
    const res = await request<string>(`${server.url}/metrics`);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\}/);
    expect(res.body).not.toContain('wp-admin');
  });

  it('records request latency by route', async () => {
    const res = await request<string>(`${server.url}/metrics`);
    expect(res.body).toMatch(/^http_request_duration_seconds_bucket\{[^}]*route="\/healthz"/m);
  });
});

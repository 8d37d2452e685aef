import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const healthz = (headers: Record<string, string> = {}) => request(`${server.url}/healthz`, { headers });

describe('request ids', () => {
  it("echoes the caller's x-request-id", async () => {
    const res = await healthz({ 'x-request-id': 'trace-123.abc:def' });
    expect(res.headers.get('x-request-id')).toBe('trace-123.abc:def');
  });

  it('generates a UUID when the caller sends none', async () => {
    expect((await healthz()).headers.get('x-request-id')).toMatch(UUID);
  });

  it('gives every request its own id', async () => {
    const [a, b] = await Promise.all([healthz(), healthz()]);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('replaces an x-request-id that could forge log lines', async () => {
    const res = await healthz({ 'x-request-id': 'abc def"}{"level":60' });
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('replaces an x-request-id longer than 128 characters', async () => {
    expect((await healthz({ 'x-request-id': 'a'.repeat(129) })).headers.get('x-request-id')).toMatch(UUID);
  });

  it('echoes the id on error responses too', async () => {
    const res = await request(`${server.url}/verification-srv/config/list`, { headers: { 'x-request-id': 'failing-call-1' } });
    expectProblem(res, 401, 'VER_0010');
    expect(res.headers.get('x-request-id')).toBe('failing-call-1');
  });

  it('writes the id into the access log line of the request', async () => {
    await healthz({ 'x-request-id': 'logged-call-1' });
    const line = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'logged-call-1');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: '/healthz', status: 200 });
  });
});

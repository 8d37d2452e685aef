import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { methodList } from '../../helpers/method-list.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const url = (type: string) => `${server.url}/verification-srv/config/${type}`;
const adminOf = (tenant: string) => server.token({ sub: 'root', tenant, scope: 'verification:admin' });

describe('GET /verification-srv/config/{type}', () => {
  it('shows the defaults of a method the tenant never changed', async () => {
    const token = await server.token({ sub: 'alice', tenant: 'fresh' });
    const res = await request(url('totp'), { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      verificationType: 'TOTP',
      active: true,
      settings: { algorithm: 'SHA1', digits: 6, period: 30, window: 1, exchange_lifetime: 600, max_devices: 5, issuer: null },
    });
  });

  it('accepts the method name in any case', async () => {
    const token = await server.token({ sub: 'alice', tenant: 'fresh' });
    const res = await request<{ verificationType: string }>(url('TOTP'), { token });
    expect(res.status).toBe(200);
    expect(res.body.verificationType).toBe('TOTP');
  });

  it('answers an unknown method with 404 VER_0020', async () => {
    const token = await server.token({ sub: 'alice' });
    expectProblem(await request(url('carrier-pigeon'), { token }), 404, 'VER_0020');
  });
});

describe('PUT /verification-srv/config/{type}', () => {
  it('returns and stores the whole new configuration', async () => {
    const token = await adminOf('put-all');
    const change = { algorithm: 'SHA256', digits: 8, period: 60, window: 2, exchange_lifetime: 300, max_devices: 3, issuer: 'Acme' };
    const put = await request(url('totp'), { method: 'PUT', token, body: { active: true, settings: change } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ verificationType: 'TOTP', active: true, settings: change });
    expect((await request(url('totp'), { token })).body).toEqual(put.body);
  });

  it('keeps the settings a partial change does not mention', async () => {
    const token = await adminOf('partial');
    await request(url('totp'), { method: 'PUT', token, body: { settings: { digits: 8, issuer: 'Acme' } } });
    await request(url('totp'), { method: 'PUT', token, body: { settings: { period: 60 } } });
    const res = await request<{ active: boolean; settings: Record<string, unknown> }>(url('totp'), { token });
    expect(res.body.active).toBe(true);
    expect(res.body.settings).toMatchObject({ digits: 8, issuer: 'Acme', period: 60, algorithm: 'SHA1' });
  });

  it('keeps the settings when only active changes', async () => {
    const token = await adminOf('toggle');
    await request(url('totp'), { method: 'PUT', token, body: { settings: { digits: 7 } } });
    const res = await request<{ active: boolean; settings: { digits: number } }>(url('totp'), { method: 'PUT', token, body: { active: false } });
    expect(res.body.active).toBe(false);
    expect(res.body.settings.digits).toBe(7);
  });

  it('keeps active when only settings change', async () => {
    const token = await adminOf('keep-active');
    await request(url('totp'), { method: 'PUT', token, body: { active: false } });
    const res = await request<{ active: boolean }>(url('totp'), { method: 'PUT', token, body: { settings: { period: 45 } } });
    expect(res.body.active).toBe(false);
  });

  it('clears the issuer label with null, so the tenant id is shown again', async () => {
    const token = await adminOf('clear-issuer');
    await request(url('totp'), { method: 'PUT', token, body: { settings: { issuer: 'Acme' } } });
    const res = await request<{ settings: { issuer: string | null } }>(url('totp'), { method: 'PUT', token, body: { settings: { issuer: null } } });
    expect(res.body.settings.issuer).toBeNull();
  });

  it('answers an unknown method with 404 VER_0020', async () => {
    const token = await adminOf('unknown-method');
    expectProblem(await request(url('voice'), { method: 'PUT', token, body: { active: true } }), 404, 'VER_0020');
  });
});

describe('who may change a method', () => {
  it('refuses a user token with 403 VER_0012', async () => {
    const token = await server.token({ sub: 'alice', tenant: 'scopes' });
    const res = await request(url('totp'), { method: 'PUT', token, body: { active: false } });
    expectProblem(res, 403, 'VER_0012');
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('refuses a service token with 403 VER_0012', async () => {
    const token = await server.token({ sub: 'backend', tenant: 'scopes', scope: 'verification:service' });
    expectProblem(await request(url('totp'), { method: 'PUT', token, body: { active: false } }), 403, 'VER_0012');
  });

  it('leaves the method unchanged after a refused change', async () => {
    const token = await server.token({ sub: 'alice', tenant: 'scopes' });
    await request(url('totp'), { method: 'PUT', token, body: { active: false } });
    const list = await request(`${server.url}/verification-srv/config/list`, { token });
    expect(list.body).toEqual(methodList());
  });

  it('accepts the admin scope among other scopes', async () => {
    const token = await server.token({ sub: 'root', tenant: 'scopes-many', scope: 'openid profile verification:admin' });
    expect((await request(url('totp'), { method: 'PUT', token, body: { active: true } })).status).toBe(200);
  });
});

describe('routing of the config service', () => {
  it('answers a method the endpoint does not support with 405 and the allowed methods', async () => {
    const token = await adminOf('routing');
    const res = await request(url('totp'), { method: 'DELETE', token });
    expectProblem(res, 405, 'VER_0006');
    expect(res.headers.get('allow')).toMatch(/GET/);
    expect(res.headers.get('allow')).toMatch(/PUT/);
  });

  it('answers POST on the list with 405', async () => {
    const token = await server.token({ sub: 'alice' });
    expectProblem(await request(`${server.url}/verification-srv/config/list`, { method: 'POST', token, body: {} }), 405, 'VER_0006');
  });
});

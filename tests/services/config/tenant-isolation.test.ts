import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { methodList } from '../../helpers/method-list.ts';

interface MethodConfigBody {
  active: boolean;
  settings: { digits: number; issuer: string | null };
}

let server: TestServer;
let adminA: string;
let adminB: string;
let userB: string;
beforeAll(async () => {
  server = await startTestServer();
  adminA = await server.token({ sub: 'root-a', tenant: 'tenant-a', scope: 'verification:admin' });
  adminB = await server.token({ sub: 'root-b', tenant: 'tenant-b', scope: 'verification:admin' });
  userB = await server.token({ sub: 'bob', tenant: 'tenant-b' });
  const put = await request(`${server.url}/verification-srv/config/totp`, {
    method: 'PUT',
    token: adminA,
    body: { active: false, settings: { digits: 8, issuer: 'Tenant A' } },
  });
  expect(put.status).toBe(200);
});
afterAll(() => server.close());

const totp = () => `${server.url}/verification-srv/config/totp`;
const list = () => `${server.url}/verification-srv/config/list`;

describe('tenant isolation of method configuration', () => {
  it("does not show tenant A's deactivation in tenant B's list", async () => {
    const res = await request(list(), { token: userB });
    expect(res.body).toEqual(methodList());
  });

  it("does not show tenant A's settings to tenant B", async () => {
    const res = await request<MethodConfigBody>(totp(), { token: userB });
    expect(res.body).toMatchObject({ active: true, settings: { digits: 6, issuer: null } });
  });

  it("does not let another tenant's admin change tenant A's settings", async () => {
    const adminC = await server.token({ sub: 'root-c', tenant: 'tenant-c', scope: 'verification:admin' });
    const put = await request(totp(), { method: 'PUT', token: adminC, body: { active: true, settings: { digits: 7, issuer: 'Tenant C' } } });
    expect(put.status).toBe(200);
    const a = await request<MethodConfigBody>(totp(), { token: adminA });
    expect(a.body).toMatchObject({ active: false, settings: { digits: 8, issuer: 'Tenant A' } });
  });

  it('ignores a tenant named in the query string', async () => {
    const res = await request(`${list()}?tid=tenant-a&tenant=tenant-a`, { token: userB });
    expect(res.body).toEqual(methodList());
  });

  it('refuses a tenant named in the body instead of applying the change to it', async () => {
    const res = await request(totp(), { method: 'PUT', token: adminB, body: { tenant: 'tenant-a', active: true } });
    expectProblem(res, 400, 'VER_0001');
    const a = await request<MethodConfigBody>(totp(), { token: adminA });
    expect(a.body.active).toBe(false);
  });

  it('keeps a token without a tenant claim in the default tenant, apart from both', async () => {
    const token = await server.token({ sub: 'carol' });
    const res = await request<MethodConfigBody>(totp(), { token });
    expect(res.body).toMatchObject({ active: true, settings: { digits: 6, issuer: null } });
  });
});

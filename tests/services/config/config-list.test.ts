import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { methodList } from '../../helpers/method-list.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GET /verification-srv/config/list', () => {
  it('lists every implemented method as active for a tenant that never changed anything, in the seed shape', async () => {
    const token = await server.token({ sub: 'alice' });
    const res = await request(`${server.url}/verification-srv/config/list`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(methodList());
  });

  it('shows a method an admin deactivated as inactive', async () => {
    const admin = await server.token({ sub: 'root', tenant: 'deact', scope: 'verification:admin' });
    const put = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active: false } });
    expect(put.status).toBe(200);
    const user = await server.token({ sub: 'bob', tenant: 'deact' });
    const res = await request(`${server.url}/verification-srv/config/list`, { token: user });
    expect(res.body).toEqual(methodList({ TOTP: false }));
  });
});

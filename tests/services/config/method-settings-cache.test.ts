import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { eventually, withListenersDown } from '../../helpers/listener-outage.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// Two instances on one database, as behind a load balancer: each caches tenants' method
// settings for initiations and verifications.
let database: ScratchDatabase;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  database = await createScratchDatabase();
  one = await startTestServer({ databaseUrl: database.url });
  two = await startTestServer({ databaseUrl: database.url });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

async function initiate(server: TestServer, tenant: string) {
  const token = await server.token({ sub: uniqueSub('user'), tenant });
  return request(`${server.url}/verification-actions-srv/setup/totp/initiation`, { method: 'POST', token, body: {} });
}

async function setTotp(server: TestServer, tenant: string, active: boolean): Promise<void> {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active } });
  expect(res.status).toBe(200);
}

describe('method settings cache across instances', () => {
  it('refuses an enrollment on the instance that switched the method off, at once', async () => {
    const tenant = uniqueSub('own-switch');
    expect((await initiate(one, tenant)).status).toBe(201);
    await setTotp(one, tenant, false);
    expectProblem(await initiate(one, tenant), 409, 'VER_0021');
  });

  it('refuses an enrollment on the other instance, which had the settings cached, once it hears the change', async () => {
    const tenant = uniqueSub('other-switch');
    expect((await initiate(two, tenant)).status).toBe(201);
    await setTotp(one, tenant, false);
    await eventually(async () => (await initiate(two, tenant)).status === 409, 3_000, 'the switch-off on instance two');
    await setTotp(one, tenant, true);
    await eventually(async () => (await initiate(two, tenant)).status === 201, 3_000, 'the switch-on on instance two');
  });

  it('starts a burst of enrollments of a tenant not cached yet, more at once than the pool has connections', async () => {
    const small = await startTestServer({ databaseUrl: database.url, env: { DB_POOL_SIZE: '2', DB_ACQUIRE_TIMEOUT_MS: '2000' } });
    try {
      const tenant = uniqueSub('burst');
      const statuses = await Promise.all(Array.from({ length: 8 }, () => initiate(small, tenant).then((r) => r.status)));
      expect(statuses).toEqual(Array(8).fill(201));
    } finally {
      await small.close();
    }
  });

  it('never enrolls with settings cached before a change it could not hear (listener down), during the outage or after it', async () => {
    const tenant = uniqueSub('outage-switch');
    expect((await initiate(two, tenant)).status).toBe(201);
    await withListenersDown(database.name, async () => {
      await setTotp(one, tenant, false);
      expectProblem(await initiate(two, tenant), 409, 'VER_0021');
    });
    await eventually(() => two.deps.db.listenerState() === 'connected', 10_000, 'the listener back');
    expectProblem(await initiate(two, tenant), 409, 'VER_0021');
  });
});

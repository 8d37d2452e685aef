import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { eventually, withListenersDown } from '../../helpers/listener-outage.ts';
import { startInstances, type Instances } from '../../helpers/instances.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { methodList } from '../../helpers/method-list.ts';

// Two instances on one database, as behind a load balancer: each caches tenants' method lists.
let cluster: Instances;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  cluster = await startInstances(2);
  [one, two] = cluster.servers as [TestServer, TestServer];
});
afterAll(() => cluster?.close());

async function list(server: TestServer, tenant: string): Promise<unknown> {
  const res = await request(`${server.url}/verification-srv/config/list`, { token: await server.token({ sub: 'reader', tenant }) });
  expect(res.status).toBe(200);
  return res.body;
}

async function setTotp(server: TestServer, tenant: string, active: boolean): Promise<void> {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active } });
  expect(res.status).toBe(200);
}

const totp = (active: boolean) => methodList({ TOTP: active });

describe('config list cache across instances', () => {
  it("shows a change made on one instance on the other, which had the tenant's list cached", async () => {
    const tenant = uniqueSub('cached-tenant');
    expect(await list(two, tenant)).toEqual(totp(true));
    expect(await list(two, tenant)).toEqual(totp(true));
    await setTotp(one, tenant, false);
    await eventually(async () => JSON.stringify(await list(two, tenant)) === JSON.stringify(totp(false)), 3_000, 'the change on instance two');
    await setTotp(one, tenant, true);
    await eventually(async () => JSON.stringify(await list(two, tenant)) === JSON.stringify(totp(true)), 3_000, 'the change back on instance two');
  });

  it('shows a change on the instance that made it at once', async () => {
    const tenant = uniqueSub('own-change');
    expect(await list(one, tenant)).toEqual(totp(true));
    await setTotp(one, tenant, false);
    expect(await list(one, tenant)).toEqual(totp(false));
  });

  it("keeps other tenants' lists when one tenant changes", async () => {
    const changed = uniqueSub('changing');
    const other = uniqueSub('untouched');
    await setTotp(one, other, false);
    expect(await list(two, other)).toEqual(totp(false));
    await setTotp(one, changed, false);
    await eventually(async () => JSON.stringify(await list(two, changed)) === JSON.stringify(totp(false)), 3_000, 'the change on instance two');
    expect(await list(two, other)).toEqual(totp(false));
  });

  it('never serves a list cached before a change it could not hear (listener down), during the outage or after it', async () => {
    const tenant = uniqueSub('outage');
    expect(await list(two, tenant)).toEqual(totp(true));
    await withListenersDown(cluster.database.name, async () => {
      await setTotp(one, tenant, false);
      expect(await list(two, tenant)).toEqual(totp(false));
    });
    await eventually(() => two.deps.db.listenerState() === 'connected', 10_000, 'the listener back');
    expect(await list(two, tenant)).toEqual(totp(false));
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { eventually, withListenersDown } from '../../helpers/listener-outage.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { FAST_WEBHOOKS, recordSignIn, verifiedBody, webhookClient } from '../../helpers/webhooks.ts';

// Two instances on one database, as behind a load balancer: each caches which endpoints of a
// tenant hear what, and records events the other's endpoints must receive.
let database: ScratchDatabase;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  database = await createScratchDatabase();
  one = await startTestServer({ databaseUrl: database.url, env: FAST_WEBHOOKS });
  two = await startTestServer({ databaseUrl: database.url, env: FAST_WEBHOOKS });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(): Promise<HttpReceiver> {
  const r = await startHttpReceiver();
  receivers.push(r);
  return r;
}

async function createEndpoint(server: TestServer, tenant: string, url: string) {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  const created = await webhookClient(server).create(admin, { url, events: ['*'] });
  expect(created.status).toBe(201);
  return { admin, id: created.body.id, secret: created.body.secret };
}

const subsOf = (rx: HttpReceiver, secret: string) => rx.requests.map((r) => verifiedBody(secret, r).data.sub);

describe('webhook endpoints cached across instances', () => {
  it('delivers to an endpoint created on one instance the very next event the other records, for many tenants at once', async () => {
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const tenant = uniqueSub('hooks-race');
        // Instance two has the tenant's (empty) endpoint list cached.
        await recordSignIn(two, tenant, 'before');
        const rx = await receiver();
        const { secret } = await createEndpoint(one, tenant, rx.url);
        await recordSignIn(two, tenant, 'after');
        await rx.waitForRequests(1);
        expect(subsOf(rx, secret)).toEqual(['after']);
      }),
    );
  });

  it('delivers to a new endpoint the next event the other instance records even while that instance hears announcements late', async () => {
    const tenant = uniqueSub('hooks-late');
    await recordSignIn(two, tenant, 'before');
    const rx = await receiver();
    // A busy listening connection takes notifications only once its statement ends.
    const busy = two.deps.db.queryOnListener('SELECT pg_sleep(0.3)');
    const { secret } = await createEndpoint(one, tenant, rx.url);
    await recordSignIn(two, tenant, 'after');
    await busy;
    await rx.waitForRequests(1);
    expect(subsOf(rx, secret)).toEqual(['after']);
  });

  it('sends nothing the other instance records after the deletion committed', async () => {
    const tenant = uniqueSub('hooks-deleted');
    const gone = await receiver();
    const kept = await receiver();
    const deleted = await createEndpoint(one, tenant, gone.url);
    const staying = await createEndpoint(one, tenant, kept.url);
    await recordSignIn(two, tenant, 'first');
    await gone.waitForRequests(1);
    expect((await webhookClient(one).remove(deleted.admin, deleted.id)).status).toBe(204);
    await recordSignIn(two, tenant, 'second');
    // The kept endpoint hears both, in order; by then the deleted one would have heard the second.
    await kept.waitForRequests(2);
    expect(subsOf(kept, staying.secret)).toEqual(['first', 'second']);
    expect(subsOf(gone, deleted.secret)).toEqual(['first']);
  });

  it('delivers to an endpoint created while the other instance could not hear announcements (listener down), during the outage and after it', async () => {
    const tenant = uniqueSub('hooks-outage');
    await recordSignIn(two, tenant, 'cached-empty');
    const rx = await receiver();
    const { secret } = await withListenersDown(database.name, async () => {
      const endpoint = await createEndpoint(one, tenant, rx.url);
      await recordSignIn(two, tenant, 'during');
      return endpoint;
    });
    await eventually(() => two.deps.db.listenerState() === 'connected', 10_000, 'the listener back');
    await recordSignIn(two, tenant, 'after');
    await rx.waitForRequests(2);
    expect(subsOf(rx, secret)).toEqual(['during', 'after']);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startInstances, type Instances } from '../../helpers/instances.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';
import { enrollFromApp, initiate, scan, verifyFromProfile, type Enrollment } from '../../helpers/enrollment-driver.ts';
import { eventually, killListeners, withListenersDown } from '../../helpers/listener-outage.ts';
import { startLongPoll } from '../../helpers/long-poll.ts';

// Two instances of the whole service on different ports, one database: what a load balancer sees.
let cluster: Instances;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  cluster = await startInstances(2);
  [one, two] = cluster.servers as [TestServer, TestServer];
});
afterAll(() => cluster?.close());

const statusUrl = (server: TestServer, e: Enrollment) => `${server.url}/verification-srv/verificationstatus/${e.statusId}`;

async function subscribed(server: TestServer, e: Enrollment): Promise<TestSocket> {
  const socket = await TestSocket.open(wsUrl(server.url));
  socket.subscribe(e.statusId);
  expect((await socket.next()).data?.status).toBe('INITIATED');
  return socket;
}

async function metric(server: TestServer, name: string): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describe('a subscriber on one instance', () => {
  it('sees SCANNED and ENROLLED made through the other instance by the authenticator app', async () => {
    const e = await initiate(two);
    const socket = await subscribed(one, e);
    await scan(two.url, e);
    expect((await socket.next()).data?.status).toBe('SCANNED');
    await enrollFromApp(two.url, e);
    const enrolled = await socket.next();
    expect(enrolled.data).toMatchObject({ status: 'ENROLLED', device_id: 'device-1', ph_id: expect.any(String) });
    expect(await socket.next()).toEqual({ type: 'unsubscribed', status_id: e.statusId, reason: 'terminal' });
    await socket.close();
  });

  it('sees ENROLLED made through the other instance by the profile UI', async () => {
    const e = await initiate(two);
    const socket = await subscribed(one, e);
    await verifyFromProfile(two.url, e);
    expect((await socket.next()).data?.status).toBe('ENROLLED');
    await socket.close();
  });

  it('receives each transition once, in version order', async () => {
    const e = await initiate(two);
    const socket = await subscribed(one, e);
    await scan(two.url, e);
    await enrollFromApp(two.url, e);
    const [scanned, enrolled] = await socket.take(2);
    expect([scanned!.data?.status, enrolled!.data?.status]).toEqual(['SCANNED', 'ENROLLED']);
    expect([scanned!.version, enrolled!.version]).toEqual([2, 3]);
    await socket.close();
  });
});

describe('polling one instance', () => {
  it('is woken from a long poll by a transition made through the other instance', async () => {
    const e = await initiate(two);
    const first = await request(statusUrl(one, e));
    const started = Date.now();
    const woken = await startLongPoll(one, () =>
      request<{ status: string }>(`${statusUrl(one, e)}?wait=20`, { headers: { 'if-none-match': first.headers.get('etag')! } }),
    );
    await scan(two.url, e);
    const res = await woken.response;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SCANNED');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('never shows an older status than the other instance already answered with', async () => {
    for (let i = 0; i < 40; i++) {
      const e = await initiate(two);
      expect((await request<{ status: string }>(statusUrl(one, e))).body.status).toBe('INITIATED');
      await scan(two.url, e);
      const res = await request<{ status: string }>(statusUrl(one, e));
      expect(res.body.status).toBe('SCANNED');
    }
  });

  it('answers 304 for the current ETag and 200 once the other instance moved the status on', async () => {
    const e = await initiate(two);
    const etag = (await request(statusUrl(one, e))).headers.get('etag')!;
    expect((await request(statusUrl(one, e), { headers: { 'if-none-match': etag } })).status).toBe(304);
    await scan(two.url, e);
    const res = await request<{ status: string }>(statusUrl(one, e), { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SCANNED');
  });
});

describe('when the listening connection dies', () => {
  // Each test cuts the listeners; the next starts only once both instances are listening again.
  beforeEach(() =>
    eventually(() => [one, two].every((server) => server.deps.statusHub.state === 'live'), 10_000, 'both listeners back'),
  );

  it('delivers a transition made while the listener was down once it is back', async () => {
    const e = await initiate(two);
    const socket = await subscribed(one, e);
    await withListenersDown(cluster.database.name, async () => {
      await eventually(() => one.deps.db.listenerState() === 'reconnecting', 5_000, 'listener down');
      await scan(two.url, e);
      await socket.expectSilence(300);
    });
    expect((await socket.next(10_000)).data?.status).toBe('SCANNED');
    await socket.close();
  });

  it('keeps delivering transitions after its backend is terminated mid-stream', async () => {
    const e = await initiate(two);
    const socket = await subscribed(one, e);
    expect(await killListeners(cluster.database.name)).toBeGreaterThanOrEqual(2);
    await scan(two.url, e);
    expect((await socket.next(10_000)).data?.status).toBe('SCANNED');
    await enrollFromApp(two.url, e);
    expect((await socket.next(10_000)).data?.status).toBe('ENROLLED');
    await socket.close();
  });

  it('answers polls with the latest status from the database while the listener is down', async () => {
    const e = await initiate(two);
    expect((await request<{ status: string }>(statusUrl(one, e))).body.status).toBe('INITIATED');
    await withListenersDown(cluster.database.name, async () => {
      await eventually(() => one.deps.db.listenerState() === 'reconnecting', 5_000, 'listener down');
      await scan(two.url, e);
      expect((await request<{ status: string }>(statusUrl(one, e))).body.status).toBe('SCANNED');
    });
  });

  it('wakes a long poll with a transition it missed, once the listener is back', async () => {
    const e = await initiate(two);
    const etag = (await request(statusUrl(one, e))).headers.get('etag')!;
    const woken = await startLongPoll(one, () =>
      request<{ status: string }>(`${statusUrl(one, e)}?wait=25`, { headers: { 'if-none-match': etag } }),
    );
    const started = Date.now();
    await withListenersDown(cluster.database.name, async () => {
      await eventually(() => one.deps.db.listenerState() === 'reconnecting', 5_000, 'listener down');
      await scan(two.url, e);
    });
    expect((await woken.response).body.status).toBe('SCANNED');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports the listener as not ready until it reconnects, and counts the reconnect', async () => {
    const before = await metric(one, 'verification_status_listener_reconnects_total');
    await withListenersDown(cluster.database.name, async () => {
      await eventually(() => one.deps.db.listenerState() === 'reconnecting', 5_000, 'listener down');
      const res = await request<{ status: string; checks: Record<string, string> }>(`${one.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.body.checks.listener).toBe('reconnecting');
    });
    await eventually(async () => (await request(`${one.url}/readyz`)).status === 200, 10_000, 'ready again');
    expect(await metric(one, 'verification_status_listener_reconnects_total')).toBe(before + 1);
  });
});

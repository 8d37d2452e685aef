import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';
import { cancel, enrollFromApp, initiate, scan, verifyFromProfile } from '../../helpers/enrollment-driver.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const open = (query = '') => TestSocket.open(wsUrl(server.url, query));

describe('subscribing', () => {
  it('sends the current status first, with the same JSON and ETag as the polling endpoint', async () => {
    const e = await initiate(server);
    const polled = await request(`${server.url}/verification-srv/verificationstatus/${e.statusId}`);
    const socket = await open();
    socket.subscribe(e.statusId);
    const snapshot = await socket.next();
    expect(snapshot).toEqual({ type: 'status', status_id: e.statusId, version: 1, etag: polled.headers.get('etag'), data: polled.body });
    await socket.close();
  });

  it('subscribes on connect to the ids given as ?status_id=', async () => {
    const [a, b] = [await initiate(server), await initiate(server)];
    const socket = await open(`?status_id=${a.statusId},${b.statusId}`);
    const ids = (await socket.take(2)).map((m) => m.status_id).sort();
    expect(ids).toEqual([a.statusId, b.statusId].sort());
    await socket.close();
  });

  it('watches several enrollments on one connection, each message naming its id', async () => {
    const [a, b] = [await initiate(server), await initiate(server)];
    const socket = await open();
    socket.subscribe(a.statusId, b.statusId);
    await socket.take(2);
    await scan(server.url, b);
    expect(await socket.next()).toMatchObject({ status_id: b.statusId, data: { status: 'SCANNED' } });
    await scan(server.url, a);
    expect(await socket.next()).toMatchObject({ status_id: a.statusId, data: { status: 'SCANNED' } });
    await socket.close();
  });

  it('accepts ids in upper case and answers with the canonical lower-case id', async () => {
    const e = await initiate(server);
    const socket = await open();
    socket.subscribe(e.statusId.toUpperCase());
    expect((await socket.next()).status_id).toBe(e.statusId);
    await socket.close();
  });

  it('does not repeat messages for an id subscribed twice', async () => {
    const e = await initiate(server);
    const socket = await open();
    socket.subscribe(e.statusId);
    await socket.next();
    socket.subscribe(e.statusId);
    await scan(server.url, e);
    expect((await socket.next()).data?.status).toBe('SCANNED');
    await socket.expectSilence(200);
    await socket.close();
  });
});

describe('following an enrollment', () => {
  it('shows SCANNED then ENROLLED as the authenticator app completes it, then ends the subscription', async () => {
    const e = await initiate(server);
    const socket = await open(`?status_id=${e.statusId}`);
    await socket.next();
    await scan(server.url, e);
    await enrollFromApp(server.url, e);
    const messages = await socket.take(3);
    expect(messages.map((m) => m.type === 'status' ? m.data?.status : m.reason)).toEqual(['SCANNED', 'ENROLLED', 'terminal']);
    expect(messages[2]).toEqual({ type: 'unsubscribed', status_id: e.statusId, reason: 'terminal' });
    await socket.close();
  });

  it('shows ENROLLED when the user completes it from the profile UI', async () => {
    const e = await initiate(server);
    const socket = await open(`?status_id=${e.statusId}`);
    await socket.next();
    await verifyFromProfile(server.url, e);
    expect((await socket.next()).data?.status).toBe('ENROLLED');
    await socket.close();
  });

  it('shows CANCELLED when the user abandons it', async () => {
    const e = await initiate(server);
    const socket = await open(`?status_id=${e.statusId}`);
    await socket.next();
    await cancel(server.url, e);
    expect((await socket.next()).data?.status).toBe('CANCELLED');
    expect((await socket.next()).reason).toBe('terminal');
    await socket.close();
  });

  it('shows EXPIRED the moment the exchange lifetime ends', async () => {
    const e = await initiate(server);
    // Ten minutes of lifetime, all but 300 ms of them already gone.
    server.clock.advance(10 * 60 * 1000 - 300);
    try {
      const socket = await open(`?status_id=${e.statusId}`);
      expect((await socket.next()).data?.status).toBe('INITIATED');
      expect((await socket.next(3_000)).data?.status).toBe('EXPIRED');
      await socket.close();
    } finally {
      server.clock.advance(-(10 * 60 * 1000 - 300));
    }
  });

  it('sends the final status and ends at once when subscribing to an enrollment that is over', async () => {
    const e = await initiate(server);
    await verifyFromProfile(server.url, e);
    const socket = await open(`?status_id=${e.statusId}`);
    expect((await socket.next()).data?.status).toBe('ENROLLED');
    expect(await socket.next()).toEqual({ type: 'unsubscribed', status_id: e.statusId, reason: 'terminal' });
    await socket.close();
  });

  it('stops sending an enrollment after unsubscribe, and confirms it', async () => {
    const e = await initiate(server);
    const socket = await open(`?status_id=${e.statusId}`);
    await socket.next();
    socket.unsubscribe(e.statusId);
    expect(await socket.next()).toEqual({ type: 'unsubscribed', status_id: e.statusId, reason: 'requested' });
    await scan(server.url, e);
    await socket.expectSilence(300);
    await socket.close();
  });

  it('answers an application ping with a pong', async () => {
    const socket = await open();
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });
});

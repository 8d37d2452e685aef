import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl, type WsMessage } from '../../helpers/ws-client.ts';
import { initiate } from '../../helpers/enrollment-driver.ts';
import { expectProblemDocument } from '../../helpers/problem.ts';

let server: TestServer;
let socket: TestSocket;
beforeAll(async () => {
  server = await startTestServer();
  socket = await TestSocket.open(wsUrl(server.url));
});
afterAll(async () => {
  await socket.close();
  await server.close();
});

/** Status reads of every kind (cache hits, fills, bypasses): what a subscribe costs the hub. */
async function cacheReads(): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  return res.body
    .split('\n')
    .filter((line) => line.startsWith('verification_status_cache_reads_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
}

/** The error message must carry the HTTP API's problem document, and the connection must go on. */
async function expectError(message: WsMessage, code: string, status = 400): Promise<void> {
  expect(message.type).toBe('error');
  expectProblemDocument(message.error, status, code);
  socket.send({ type: 'ping' });
  expect(await socket.next()).toEqual({ type: 'pong' });
}

describe('a bad message gets an error message and the connection stays open', () => {
  it('when it is not JSON', async () => {
    socket.send('{"type": "subscribe",');
    await expectError(await socket.next(), 'VER_0002');
  });

  it('when it is a binary frame', async () => {
    socket.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await expectError(await socket.next(), 'VER_0001');
  });

  it('when its type is unknown', async () => {
    socket.send({ type: 'watch', status_ids: [randomUUID()] });
    await expectError(await socket.next(), 'VER_0001');
  });

  it('when a subscribe names no ids', async () => {
    socket.send({ type: 'subscribe', status_ids: [] });
    const message = await socket.next();
    expect(message.error?.detail).toMatch(/status_ids/);
    await expectError(message, 'VER_0001');
  });

  it('when it is JSON but not an object', async () => {
    socket.send('[1, 2]');
    await expectError(await socket.next(), 'VER_0001');
  });
});

describe('subscribing to an id that cannot be watched', () => {
  it('reports a malformed id as VER_0007, naming it', async () => {
    socket.subscribe('not-a-uuid');
    const message = await socket.next();
    expect(message.status_ids).toEqual(['not-a-uuid']);
    await expectError(message, 'VER_0007');
  });

  it('reports an unknown id as VER_0030, naming it', async () => {
    const unknown = randomUUID();
    socket.subscribe(unknown);
    const message = await socket.next();
    expect(message.status_ids).toEqual([unknown]);
    await expectError(message, 'VER_0030', 404);
  });

  it('still subscribes the good ids of a list that holds a bad one', async () => {
    const e = await initiate(server);
    socket.subscribe('nope', e.statusId);
    const [error, snapshot] = await socket.take(2);
    expect(error).toMatchObject({ type: 'error', status_ids: ['nope'] });
    expectProblemDocument(error!.error, 400, 'VER_0007');
    expect(snapshot).toMatchObject({ type: 'status', status_id: e.statusId, data: { status: 'INITIATED' } });
    socket.unsubscribe(e.statusId);
    await socket.next();
  });
});

describe('one message costs at most one error message, however many ids it names', () => {
  it('reports every malformed id of a subscribe in one error, listing the first 20', async () => {
    const bogus = Array.from({ length: 100 }, (_, i) => `bogus-${i}`);
    socket.subscribe(...bogus);
    const message = await socket.next();
    expect(message.status_ids).toEqual(bogus.slice(0, 20));
    expect(message.error?.detail).toBe('status_ids: 100 of 100 are not a UUID (the first 20 are listed)');
    await expectError(message, 'VER_0007');
  });

  it('reports every unknown id of a subscribe in one error, after the snapshots of the known ones', async () => {
    const e = await initiate(server);
    const unknown = Array.from({ length: 5 }, () => randomUUID());
    socket.subscribe(unknown[0]!, e.statusId, ...unknown.slice(1));
    const [snapshot, error] = await socket.take(2);
    expect(snapshot).toMatchObject({ type: 'status', status_id: e.statusId });
    expect(error!.status_ids!.sort()).toEqual([...unknown].sort());
    expect(error!.error?.detail).toBe('5 status ids: no enrollment has this status id');
    await expectError(error!, 'VER_0030', 404);
    socket.unsubscribe(e.statusId);
    await socket.next();
  });

  it('refuses a subscribe naming more ids than a connection may watch as a whole, reading nothing', async () => {
    const reads = await cacheReads();
    socket.subscribe(...Array.from({ length: 1000 }, (_, i) => `x${i}`));
    const message = await socket.next();
    expect(message.status_ids).toBeUndefined();
    expect(message.error?.detail).toBe('status_ids: at most 100 ids per message, got 1000');
    await expectError(message, 'VER_0001');
    expect(await cacheReads()).toBe(reads);
  });

  it('refuses as a whole a subscribe of more well-formed ids than allowed, without a lookup per id', async () => {
    const reads = await cacheReads();
    socket.subscribe(...Array.from({ length: 101 }, () => randomUUID()));
    await expectError(await socket.next(), 'VER_0001');
    expect(await cacheReads()).toBe(reads);
  });

  it('confirms an unsubscribe only for ids the connection watched', async () => {
    const e = await initiate(server);
    socket.subscribe(e.statusId);
    await socket.next();
    socket.unsubscribe(randomUUID(), e.statusId, randomUUID());
    expect(await socket.next()).toEqual({ type: 'unsubscribed', status_id: e.statusId, reason: 'requested' });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
  });
});

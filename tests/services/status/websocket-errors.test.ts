import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(message.status_id).toBe('not-a-uuid');
    await expectError(message, 'VER_0007');
  });

  it('reports an unknown id as VER_0030, naming it', async () => {
    const unknown = randomUUID();
    socket.subscribe(unknown);
    const message = await socket.next();
    expect(message.status_id).toBe(unknown);
    await expectError(message, 'VER_0030', 404);
  });

  it('still subscribes the good ids of a list that holds a bad one', async () => {
    const e = await initiate(server);
    socket.subscribe('nope', e.statusId);
    const [error, snapshot] = await socket.take(2);
    expect(error).toMatchObject({ type: 'error', status_id: 'nope' });
    expectProblemDocument(error!.error, 400, 'VER_0007');
    expect(snapshot).toMatchObject({ type: 'status', status_id: e.statusId, data: { status: 'INITIATED' } });
    socket.unsubscribe(e.statusId);
    await socket.next();
  });
});

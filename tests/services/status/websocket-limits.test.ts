import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblemDocument } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';
import { initiate } from '../../helpers/enrollment-driver.ts';
import { eventually } from '../../helpers/listener-outage.ts';

const ALLOWED_ORIGIN = 'https://app.example.com';

const RATE = 20;

let limited: TestServer;
let heartbeat: TestServer;
let rated: TestServer;
beforeAll(async () => {
  limited = await startTestServer({
    env: {
      WS_MAX_SUBSCRIPTIONS: '2',
      WS_MAX_MESSAGE_BYTES: '1024',
      WS_MAX_BUFFERED_BYTES: '16384',
      WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      // The slow-consumer test floods on purpose; the message rate has its own server.
      WS_MAX_MESSAGES_PER_SECOND: '0',
    },
  });
  heartbeat = await startTestServer({ env: { WS_HEARTBEAT_MS: '100' } });
  rated = await startTestServer({ env: { WS_MAX_MESSAGES_PER_SECOND: String(RATE) } });
});
afterAll(async () => {
  await limited?.close();
  await heartbeat?.close();
  await rated?.close();
});

async function disconnects(server: TestServer, reason: string): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith(`verification_ws_disconnects_total{reason="${reason}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('limits', () => {
  it('closes with 4001 when a client subscribes to more ids than allowed', async () => {
    const [a, b] = [await initiate(limited), await initiate(limited)];
    const socket = await TestSocket.open(wsUrl(limited.url));
    socket.subscribe(a.statusId, b.statusId);
    await socket.take(2);
    socket.subscribe(randomUUID());
    expect(await socket.closed).toEqual({ code: 4001, reason: 'at most 2 subscriptions per connection' });
  });

  it('closes with 1009 when a message is larger than allowed', async () => {
    const socket = await TestSocket.open(wsUrl(limited.url));
    socket.send({ type: 'subscribe', status_ids: [randomUUID()], padding: 'x'.repeat(2_000) });
    expect((await socket.closed).code).toBe(1009);
  });

  it('closes with 4002 a client that stops reading while messages pile up', async () => {
    const socket = await TestSocket.open(wsUrl(limited.url));
    const before = await disconnects(limited, 'slow_consumer');
    socket.socket.pause();
    // Each bad message is answered with an error; unread, the answers fill every buffer on the way.
    for (let i = 0; i < 100_000; i++) socket.send('x');
    await eventually(async () => (await disconnects(limited, 'slow_consumer')) > before, 20_000, 'slow consumer dropped');
    socket.socket.resume();
    expect((await socket.closed).code).toBe(4002);
  });
});

describe('message rate (WS_MAX_MESSAGES_PER_SECOND=20, bursts of 40)', () => {
  it('answers a burst within the limit and keeps the connection', async () => {
    const socket = await TestSocket.open(wsUrl(rated.url));
    for (let i = 0; i < RATE; i++) socket.send({ type: 'ping' });
    expect(await socket.take(RATE)).toEqual(Array.from({ length: RATE }, () => ({ type: 'pong' })));
    await socket.close();
  });

  it('closes a flooding client with 4008 after at most its burst (plus what refilled meanwhile)', async () => {
    const socket = await TestSocket.open(wsUrl(rated.url));
    const before = await disconnects(rated, 'message_rate');
    let answered = 0;
    socket.socket.on('message', () => answered++);
    for (let i = 0; i < 500; i++) socket.send({ type: 'ping' });
    expect(await socket.closed).toEqual({ code: 4008, reason: `policy: message rate (at most ${RATE} messages per second)` });
    expect(answered).toBeGreaterThanOrEqual(2 * RATE);
    expect(answered).toBeLessThan(500);
    expect(await disconnects(rated, 'message_rate')).toBe(before + 1);
  });

  it('counts bad messages too: floods of garbage are closed the same way', async () => {
    const socket = await TestSocket.open(wsUrl(rated.url));
    for (let i = 0; i < 500; i++) socket.send('x');
    expect((await socket.closed).code).toBe(4008);
  });
});

describe('allowed origins', () => {
  it('refuses the handshake of a page from another origin with 403 problem+json', async () => {
    const res = await TestSocket.refused(wsUrl(limited.url), { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expectProblemDocument(res.body, 403, 'VER_0013');
  });

  it('accepts a page from an allowed origin', async () => {
    const socket = await TestSocket.open(wsUrl(limited.url), { origin: ALLOWED_ORIGIN });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });

  it('accepts a client that is not a browser and sends no Origin', async () => {
    const socket = await TestSocket.open(wsUrl(limited.url));
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });
});

it('refuses a WebSocket handshake on any other path with 404', async () => {
  const res = await TestSocket.refused(`${limited.url.replace(/^http/, 'ws')}/verification-srv/elsewhere`);
  expect(res.status).toBe(404);
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings', async () => {
    const socket = await TestSocket.open(wsUrl(heartbeat.url), { autoPong: false });
    const { code } = await socket.closed;
    expect(code).toBe(1006);
    await eventually(async () => (await disconnects(heartbeat, 'heartbeat_timeout')) >= 1, 2_000, 'counted');
  });

  it('keeps a peer that answers pings', async () => {
    const socket = await TestSocket.open(wsUrl(heartbeat.url));
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiate } from '../../helpers/enrollment-driver.ts';
import { eventually } from '../../helpers/listener-outage.ts';
import { RawSocket } from '../../helpers/raw-socket.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// Generous bounds: on a busy machine the server may close late, never early.
const CLOSE_DEADLINE_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let idle: TestServer;
let capped: TestServer;
beforeAll(async () => {
  idle = await startTestServer({ env: { IDLE_TIMEOUT_S: '1' } });
  capped = await startTestServer({ env: { MAX_CONNECTIONS: '3' } });
});
afterAll(async () => {
  await idle?.close();
  await capped?.close();
});

describe('idle connections (IDLE_TIMEOUT_S=1)', () => {
  it('closes a connection that sends nothing', async () => {
    const socket = await RawSocket.open(idle.url);
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
    expect(socket.received).toBe('');
  });

  it('closes a connection that stops in the middle of its request line', async () => {
    const socket = await RawSocket.open(idle.url);
    socket.write('GET /hea');
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
  });

  it('closes a connection that stops in the middle of its headers', async () => {
    const socket = await RawSocket.open(idle.url);
    socket.write('POST /verification-actions-srv/setup/totp/scan HTTP/1.1\r\nHost: test\r\nContent-Ty');
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
  });

  it('closes a connection that stops in the middle of its body', async () => {
    const socket = await RawSocket.open(idle.url);
    socket.write('POST /verification-actions-srv/setup/totp/scan HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"exch');
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
  });

  it('closes a connection that trickles its headers a byte at a time', async () => {
    const socket = await RawSocket.open(idle.url);
    const headers = `GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: ${'x'.repeat(200)}\r\n\r\n`;
    for (const byte of headers) {
      if (socket.isClosed) break;
      socket.write(byte);
      await sleep(100);
    }
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
    expect(socket.received).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('closes a keep-alive connection once it stays idle after its request', async () => {
    const socket = await RawSocket.open(idle.url);
    expect(await socket.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    expect(await socket.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
  });

  it('does not cut a long poll that waits longer than the idle timeout', async () => {
    const e = await initiate(idle);
    const socket = await RawSocket.open(idle.url);
    const response = await socket.get(`/verification-srv/verificationstatus/${e.statusId}?wait=3`, 20_000);
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain('"status":"INITIATED"');
    socket.destroy();
  });

  it('does not cut a WebSocket that is quiet for longer than the idle timeout', async () => {
    const socket = await TestSocket.open(wsUrl(idle.url));
    await sleep(2_500);
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });

  it('keeps a quiet connection open when the idle timeout is the default 30 s', async () => {
    const socket = await RawSocket.open(capped.url);
    expect(await socket.closesWithin(2_000)).toBe(false);
    socket.destroy();
  });
});

describe('connection cap (MAX_CONNECTIONS=3)', () => {
  it('closes new connections while the cap is reached; the open ones keep working, and a freed slot is usable again', async () => {
    const open = [await RawSocket.open(capped.url), await RawSocket.open(capped.url), await RawSocket.open(capped.url)];
    for (const socket of open) expect(await socket.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);

    const refused = await RawSocket.open(capped.url);
    expect(await refused.closesWithin(CLOSE_DEADLINE_MS)).toBe(true);
    expect(refused.received).toBe('');

    expect(await open[0]!.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    expect(await open[1]!.get('/metrics')).toMatch(/^http_connections_refused_total [1-9]/m);

    open[2]!.destroy();
    await eventually(
      async () => {
        const again = await RawSocket.open(capped.url);
        const ok = await again.get('/healthz').then(
          (res) => /^HTTP\/1\.1 200/.test(res),
          () => false,
        );
        again.destroy();
        return ok;
      },
      CLOSE_DEADLINE_MS,
      'a new connection is accepted once one closed',
    );
    for (const socket of open) socket.destroy();
  });
});

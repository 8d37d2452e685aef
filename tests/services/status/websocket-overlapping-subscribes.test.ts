import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { StatusSocketSession } from '../../../services/status/websocket/session.ts';
import { statusNotFound, type VersionedStatus } from '../../../shared/status/status-document.ts';
import type { StatusHub, StatusWatcher } from '../../../shared/events/status-hub.ts';
import { createStatusMetrics } from '../../../shared/events/status-metrics.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import type { DeviceFeed, DeviceFeedSink } from '../../../shared/methods/push/device-feed.ts';
import type { PendingChallengeView } from '../../../shared/methods/push/pending.ts';
import { TestSocket } from '../../helpers/ws-client.ts';

// A device's feed subscribes the connection to its challenges from a callback, outside any
// client message, so its subscribe can overlap one the client sent. Each must report its own
// refused ids, when its own snapshots are in. The interleaving is the point, so it is made
// exact: a real session on a real WebSocket, over a hub whose snapshot reads the test settles
// one by one, and a feed the test fires.

/** A status hub whose reads wait until the test answers them. */
class HeldHub {
  readonly #reads = new Map<string, { resolve: (s: VersionedStatus) => void; reject: (err: unknown) => void }>();
  readonly #asked = new Map<string, () => void>();

  addWatcher(_id: string, _watcher: StatusWatcher): void {}
  removeWatcher(_id: string, _watcher: StatusWatcher): void {}
  read(statusId: string): Promise<VersionedStatus> {
    return new Promise((resolve, reject) => {
      this.#reads.set(statusId, { resolve, reject });
      this.#asked.get(statusId)?.();
    });
  }

  /** Resolves once the snapshot of `statusId` is being read. */
  asked(statusId: string): Promise<void> {
    if (this.#reads.has(statusId)) return Promise.resolve();
    return new Promise((resolve) => this.#asked.set(statusId, resolve));
  }

  unknown(statusId: string): void {
    this.#reads.get(statusId)!.reject(statusNotFound());
  }

  found(statusId: string): void {
    const document = { id: statusId, status: 'INITIATED' } as unknown as VersionedStatus['document'];
    this.#reads.get(statusId)!.resolve({ document, version: 1 });
  }
}

/** A device feed the test fires by hand. */
class ManualFeed implements DeviceFeed {
  sink: DeviceFeedSink | undefined;
  open(_token: string, sink: DeviceFeedSink): Promise<() => void> {
    this.sink = sink;
    return Promise.resolve(() => undefined);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const challenge = (statusId: string) => ({ status_id: statusId }) as PendingChallengeView;

let server: Server | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function connect(hub: HeldHub, feed: ManualFeed): Promise<TestSocket> {
  wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) =>
    wss!.handleUpgrade(req, socket, head, (ws) => {
      const ctx = {
        // The session only ever reads snapshots and (un)registers watchers on the hub.
        hub: hub as unknown as StatusHub,
        metrics: createStatusMetrics(new Registry()),
        log: createLogger('silent'),
        maxSubscriptions: 100,
        maxBufferedBytes: 1 << 20,
        maxMessagesPerSecond: 0,
        devices: feed,
      };
      new StatusSocketSession(ws, ctx, () => undefined);
    }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const socket = await TestSocket.open(`ws://127.0.0.1:${(server!.address() as AddressInfo).port}/`);
  socket.send({ type: 'subscribe_device', token: 'token' });
  await expect.poll(() => feed.sink).toBeDefined();
  return socket;
}

describe('a device feed subscribing while a client subscribe is being answered', () => {
  it("reports the client's unknown id before the client's next message is answered, while the feed's snapshot is still out", async () => {
    const hub = new HeldHub();
    const feed = new ManualFeed();
    const socket = await connect(hub, feed);
    const clients = randomUUID();
    const devices = randomUUID();

    socket.subscribe(clients);
    socket.send({ type: 'ping' });
    await hub.asked(clients);
    feed.sink!.challenges([challenge(devices)]);
    expect((await socket.next()).type).toBe('push_challenges');
    await hub.asked(devices);

    hub.unknown(clients);
    expect(await socket.next()).toMatchObject({ type: 'error', status_ids: [clients], error: { code: 'VER_0030' } });
    expect((await socket.next()).type).toBe('pong');

    hub.found(devices);
    expect(await socket.next()).toMatchObject({ type: 'status', data: { id: devices } });
    await socket.expectSilence(100);
    await socket.close();
  });

  it("reports the feed's unknown id on its own, never inside the report of a client subscribe sent meanwhile", async () => {
    const hub = new HeldHub();
    const feed = new ManualFeed();
    const socket = await connect(hub, feed);
    const [devices, clients] = [randomUUID(), randomUUID()];

    feed.sink!.challenges([challenge(devices)]);
    expect((await socket.next()).type).toBe('push_challenges');
    await hub.asked(devices);
    socket.subscribe(clients);
    await hub.asked(clients);

    hub.unknown(devices);
    expect(await socket.next()).toMatchObject({ type: 'error', status_ids: [devices] });
    hub.unknown(clients);
    expect(await socket.next()).toMatchObject({ type: 'error', status_ids: [clients] });
    await socket.expectSilence(100);
    await socket.close();
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';
import { initiate, scan, enrollFromApp, type Enrollment } from '../../helpers/enrollment-driver.ts';

const ENROLLMENTS = 30;
const WATCHERS_EACH = 10;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function gauge(name: string): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  return Number(res.body.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
}

it('delivers every transition to each of 300 concurrent subscribers', async () => {
  const enrollments: Enrollment[] = [];
  for (let i = 0; i < ENROLLMENTS; i++) enrollments.push(await initiate(server));
  const watchers = await Promise.all(
    enrollments.flatMap((e) => Array.from({ length: WATCHERS_EACH }, () => TestSocket.open(wsUrl(server.url, `?status_id=${e.statusId}`)))),
  );
  const watched = (socket: number) => enrollments[Math.floor(socket / WATCHERS_EACH)]!;
  const snapshots = await Promise.all(watchers.map((w) => w.next(10_000)));
  expect(snapshots.every((m, i) => m.status_id === watched(i).statusId && m.data?.status === 'INITIATED')).toBe(true);
  expect(await gauge('verification_ws_open_sockets')).toBe(ENROLLMENTS * WATCHERS_EACH);
  expect(await gauge('verification_ws_subscriptions')).toBe(ENROLLMENTS * WATCHERS_EACH);

  await Promise.all(enrollments.map((e) => scan(server.url, e)));
  await Promise.all(enrollments.map((e) => enrollFromApp(server.url, e)));
  const conversations = await Promise.all(watchers.map((w) => w.take(3, 10_000)));
  for (const [i, messages] of conversations.entries()) {
    expect(messages.map((m) => m.status_id)).toEqual([watched(i).statusId, watched(i).statusId, watched(i).statusId]);
    expect(messages.map((m) => m.data?.status ?? m.reason)).toEqual(['SCANNED', 'ENROLLED', 'terminal']);
  }
  expect(await gauge('verification_ws_subscriptions')).toBe(0);
  expect(await gauge('verification_ws_events_delivered_total')).toBe(ENROLLMENTS * WATCHERS_EACH * 3);
  await Promise.all(watchers.map((w) => w.close()));
});

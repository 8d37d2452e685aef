import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { childEnv, freePort, startProcess, TSX, type RunningProcess } from '../../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { startTestServer, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';
import { initiate } from '../../helpers/enrollment-driver.ts';

const START_TIMEOUT_MS = 60_000;

let database: ScratchDatabase;
let actions: TestServer;
let status: RunningProcess;
let statusUrl: string;
beforeAll(async () => {
  database = await createScratchDatabase();
  actions = await startTestServer({ databaseUrl: database.url });
  const port = await freePort();
  statusUrl = `http://127.0.0.1:${port}`;
  status = startProcess(
    TSX,
    ['services/status/main.ts'],
    childEnv({ STATUS_PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, SECRET_KEY: TEST_SECRET_KEY }),
  );
  await status.waitForOutput(/listening on/, START_TIMEOUT_MS);
}, START_TIMEOUT_MS + 10_000);
afterAll(async () => {
  await status?.kill();
  await actions?.close();
  await database?.drop();
});

it('on SIGTERM answers long polls, closes WebSockets with 1001 and a reason, and exits cleanly', async () => {
  const e = await initiate(actions);
  const socket = await TestSocket.open(wsUrl(statusUrl, `?status_id=${e.statusId}`));
  expect((await socket.next()).data?.status).toBe('INITIATED');
  const longPoll = request<{ status: string }>(`${statusUrl}/verification-srv/verificationstatus/${e.statusId}?wait=30`);
  await new Promise((resolve) => setTimeout(resolve, 200));

  const started = Date.now();
  status.signal('SIGTERM');
  const closed = await socket.closed;
  expect(closed.code).toBe(1001);
  expect(closed.reason).toMatch(/shutting down/);
  const polled = await longPoll;
  expect(polled.status).toBe(200);
  expect(polled.body.status).toBe('INITIATED');
  expect(await status.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(10_000);
});

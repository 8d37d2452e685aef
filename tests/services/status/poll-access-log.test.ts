import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentClient } from '../../helpers/enrollment.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// Three instances on one database: the defaults, every poll at info, and one in three sampled.
let quiet: TestServer;
let verbose: TestServer;
let sampled: TestServer;
let statusId: string;
beforeAll(async () => {
  quiet = await startTestServer();
  const databaseUrl = quiet.deps.config.database.url!;
  verbose = await startTestServer({ databaseUrl, env: { POLL_LOG_LEVEL: 'info' } });
  sampled = await startTestServer({ databaseUrl, env: { POLL_LOG_SAMPLE: '3' } });
  const offer = await enrollmentClient(quiet).initiate(await quiet.token({ sub: 'poller' }));
  statusId = offer.body.status_id;
});
afterAll(async () => {
  await sampled?.close();
  await verbose?.close();
  await quiet?.close();
});

/** Polls `statusId` on `server` with a request id of its own; returns the access lines of that request. */
async function poll(server: TestServer, requestId: string, path = `/verification-srv/verificationstatus/${statusId}`, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers: { 'x-request-id': requestId, ...headers } });
  await res.arrayBuffer();
  const lines = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === requestId && l.msg === 'request');
  return { status: res.status, etag: res.headers.get('etag'), lines };
}

describe('access log of routine reads (status polls, the method list)', () => {
  it('writes no line for a poll answered 200 or 304 by default (POLL_LOG_LEVEL=debug under LOG_LEVEL=info)', async () => {
    const first = await poll(quiet, 'quiet-200');
    expect(first.status).toBe(200);
    expect(first.lines).toEqual([]);
    const again = await poll(quiet, 'quiet-304', undefined, { 'if-none-match': first.etag! });
    expect(again.status).toBe(304);
    expect(again.lines).toEqual([]);
  });

  it('still writes the line of a poll that failed (unknown or malformed id)', async () => {
    const unknown = await poll(quiet, 'quiet-404', '/verification-srv/verificationstatus/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.lines).toEqual([expect.objectContaining({ level: 30, status: 404, route: '/verification-srv/verificationstatus/:status_id' })]);
    const malformed = await poll(quiet, 'quiet-400', '/verification-srv/verificationstatus/not-a-uuid');
    expect(malformed.lines).toEqual([expect.objectContaining({ status: 400 })]);
  });

  it('keeps logging every other request at info', async () => {
    await fetch(`${quiet.url}/healthz`, { headers: { 'x-request-id': 'quiet-healthz' } });
    expect(quiet.logs.some((l) => l.includes('"requestId":"quiet-healthz"'))).toBe(true);
  });

  it('writes every successful poll with POLL_LOG_LEVEL=info', async () => {
    const res = await poll(verbose, 'verbose-200');
    expect(res.lines).toEqual([expect.objectContaining({ level: 30, status: 200, route: '/verification-srv/verificationstatus/:status_id' })]);
  });

  it('treats the method list like a poll: no line for a 200 by default, a line at info with POLL_LOG_LEVEL=info', async () => {
    const token = await quiet.token({ sub: 'lister' });
    expect((await poll(quiet, 'quiet-list', '/verification-srv/config/list', { authorization: `Bearer ${token}` })).lines).toEqual([]);
    const verboseList = await poll(verbose, 'verbose-list', '/verification-srv/config/list', { authorization: `Bearer ${await verbose.token({ sub: 'lister' })}` });
    expect(verboseList.status).toBe(200);
    expect(verboseList.lines).toEqual([expect.objectContaining({ level: 30, status: 200, route: '/verification-srv/config/list' })]);
  });

  it('still writes the line of a method list refused for want of a valid token', async () => {
    const refused = await poll(quiet, 'quiet-list-401', '/verification-srv/config/list', { authorization: 'Bearer not.a.token' });
    expect(refused.status).toBe(401);
    expect(refused.lines).toEqual([expect.objectContaining({ level: 30, status: 401 })]);
  });

  it('writes one successful poll in three at info with POLL_LOG_SAMPLE=3', async () => {
    const logged: number[] = [];
    for (let i = 0; i < 9; i++) logged.push((await poll(sampled, `sampled-${i}`)).lines.length);
    expect(logged.reduce((a, b) => a + b, 0)).toBe(3);
    expect(logged).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });
});

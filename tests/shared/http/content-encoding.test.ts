import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiate } from '../../helpers/enrollment-driver.ts';
import { request, type JsonResponse } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const BODY_LIMIT_BYTES = 4096;

let server: TestServer;
let admin: string;
let user: string;
beforeAll(async () => {
  server = await startTestServer({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  admin = await server.token({ sub: 'root', tenant: 'coding', scope: 'verification:admin' });
  user = await server.token({ sub: `user-${randomUUID()}` });
});
afterAll(() => server.close());

const compress = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
} as const;
type Coding = keyof typeof compress;
const CODINGS = Object.keys(compress) as Coding[];

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
/** A valid stream of `coding` with its second half missing. */
const truncated = (coding: Coding, value: unknown) => {
  const whole = compress[coding](json(value));
  return whole.subarray(0, Math.floor(whole.length / 2));
};

function send(path: string, body: Uint8Array, coding: string, token?: string, method = 'POST'): Promise<JsonResponse> {
  return request(`${server.url}${path}`, { method, token, body, headers: { 'content-type': 'application/json', 'content-encoding': coding } });
}

const appBody = { exchange_id: randomUUID(), client_id: randomUUID(), device_id: 'device-1', pass_code: '123456' };
/** Every kind of route that reads a body: admin, user, and the app's (no token at all). */
const ROUTES = [
  { name: 'config PUT (admin)', path: '/verification-srv/config/totp', method: 'PUT', token: () => admin, body: { active: true } },
  { name: 'initiation (user)', path: '/verification-actions-srv/setup/totp/initiation', method: 'POST', token: () => user, body: {} },
  { name: 'scan (app, no token)', path: '/verification-actions-srv/setup/totp/scan', method: 'POST', token: () => undefined, body: appBody },
  { name: 'enroll (app, no token)', path: '/verification-srv/v2/setup/enroll/totp', method: 'POST', token: () => undefined, body: appBody },
];

/** Error-level log lines (pino level 50 and up): a client's bad bytes must never produce one. */
const errorLines = () => server.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe('compressed request bodies', () => {
  it.each(CODINGS)('accepts valid %s JSON', async (coding) => {
    const res = await send('/verification-srv/config/totp', compress[coding](json({ active: true, settings: { issuer: `Acme ${coding}` } })), coding, admin, 'PUT');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ settings: { issuer: `Acme ${coding}` } });
  });

  it('accepts a compressed body from the authenticator app, which has no token', async () => {
    const e = await initiate(server);
    const body = gzipSync(json({ exchange_id: e.exchangeId, client_id: e.clientId, device_id: 'device-1' }));
    const res = await send('/verification-actions-srv/setup/totp/scan', body, 'gzip');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'SCANNED' });
  });

  it('reads the coding name case-insensitively', async () => {
    const res = await send('/verification-srv/config/totp', gzipSync(json({ active: true })), 'GZip', admin, 'PUT');
    expect(res.status).toBe(200);
  });

  it('counts BODY_LIMIT_BYTES after decoding, so a small compressed bomb is a 413', async () => {
    const bomb = gzipSync(json({ settings: { issuer: ' '.repeat(BODY_LIMIT_BYTES * 50) } }));
    expect(bomb.length).toBeLessThan(BODY_LIMIT_BYTES);
    expectProblem(await send('/verification-srv/config/totp', bomb, 'gzip', admin, 'PUT'), 413, 'VER_0003');
  });
});

describe('a body that does not decode is a 400, never a 500', () => {
  for (const route of ROUTES) {
    it.each(CODINGS)(`${route.name}: garbage labelled %s is 400 VER_0009`, async (coding) => {
      const res = await send(route.path, Buffer.from('this is not compressed at all'), coding, route.token(), route.method);
      expectProblem(res, 400, 'VER_0009');
    });

    it.each(CODINGS)(`${route.name}: a truncated %s stream is 400 VER_0009`, async (coding) => {
      expectProblem(await send(route.path, truncated(coding, route.body), coding, route.token(), route.method), 400, 'VER_0009');
    });
  }

  it('says which coding failed, without echoing the bytes or the decoder message', async () => {
    const res = await send('/verification-actions-srv/setup/totp/scan', Buffer.from('secret-looking-bytes'), 'gzip');
    expect(res.body).toMatchObject({ detail: 'the body is not valid gzip data' });
    expect(JSON.stringify(res.body)).not.toMatch(/secret-looking|header check|Z_DATA_ERROR/);
  });

  it('answers valid compressed bytes that are not JSON with 400 VER_0002', async () => {
    expectProblem(await send('/verification-actions-srv/setup/totp/scan', gzipSync('{"exchange_id": '), 'gzip'), 400, 'VER_0002');
  });

  it('writes no error-level log line (and so no stack) for any of them', async () => {
    const before = errorLines().length;
    await Promise.all(
      CODINGS.flatMap((coding) => [
        send('/verification-actions-srv/setup/totp/scan', Buffer.from('garbage'), coding),
        send('/verification-srv/v2/setup/enroll/totp', truncated(coding, appBody), coding),
      ]),
    );
    expect(errorLines().slice(before)).toEqual([]);
  });
});

describe('a coding the service does not support', () => {
  it.each(['zstd', 'compress', 'gzip, gzip', 'x-unknown'])('%s is 415 VER_0004', async (coding) => {
    const res = await send('/verification-actions-srv/setup/totp/scan', gzipSync(json(appBody)), coding);
    expectProblem(res, 415, 'VER_0004');
    expect(res.body).toMatchObject({ detail: 'Content-Encoding must be identity, gzip, deflate or br' });
  });

  it('identity is the plain body', async () => {
    const scanBody = { exchange_id: appBody.exchange_id, client_id: appBody.client_id, device_id: appBody.device_id };
    const res = await send('/verification-actions-srv/setup/totp/scan', json(scanBody), 'identity');
    expectProblem(res, 404, 'VER_0030');
  });
});

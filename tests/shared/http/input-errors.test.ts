import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type JsonResponse } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const BODY_LIMIT_BYTES = 2048;

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
  admin = await server.token({ sub: 'root', tenant: 'input', scope: 'verification:admin' });
});
afterAll(() => server.close());

const url = () => `${server.url}/verification-srv/config/totp`;
const put = (body: string, contentType = 'application/json') =>
  request(url(), { method: 'PUT', token: admin, body, headers: { 'content-type': contentType } });

/** Sends `body` in chunks without a Content-Length, as a streaming client would. */
async function putStreamed(body: string): Promise<JsonResponse> {
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.subarray(i, i + 512));
      controller.close();
    },
  });
  const res = await fetch(url(), {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const oversized = () => JSON.stringify({ settings: { issuer: 'x'.repeat(BODY_LIMIT_BYTES * 2) } });

describe('request bodies a client got wrong', () => {
  it('answers malformed JSON with 400 VER_0002', async () => {
    expectProblem(await put('{"active": tru'), 400, 'VER_0002');
  });

  it('answers JSON cut off mid-string with 400 VER_0002', async () => {
    expectProblem(await put('{"settings": {"issuer": "Ac'), 400, 'VER_0002');
  });

  it('does not echo the parser error or the body back', async () => {
    const res = await put('{"active": tru');
    expect(JSON.stringify(res.body)).not.toMatch(/SyntaxError|Unexpected|tru\b/);
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 VER_0003', async () => {
    expectProblem(await put(oversized()), 413, 'VER_0003');
  });

  it('answers a streamed body that grows over BODY_LIMIT_BYTES with 413 VER_0003', async () => {
    expectProblem(await putStreamed(oversized()), 413, 'VER_0003');
  });

  it('accepts a body just under BODY_LIMIT_BYTES', async () => {
    const body = JSON.stringify({ active: true, settings: { issuer: 'Acme' } }).padEnd(BODY_LIMIT_BYTES - 1, ' ');
    expect((await put(body)).status).toBe(200);
  });

  it('answers a text/plain body with 415 VER_0004', async () => {
    expectProblem(await put('{"active": true}', 'text/plain'), 415, 'VER_0004');
  });

  it('answers a form-encoded body with 415 VER_0004', async () => {
    expectProblem(await put('active=true', 'application/x-www-form-urlencoded'), 415, 'VER_0004');
  });

  it('answers a body without a content type with 415 VER_0004', async () => {
    const res = await fetch(url(), { method: 'PUT', headers: { authorization: `Bearer ${admin}` }, body: new Uint8Array([123, 125]) });
    expectProblem({ status: res.status, headers: res.headers, body: await res.json() }, 415, 'VER_0004');
  });

  it('never answers any of them with a 500', async () => {
    const statuses = await Promise.all([
      put('{"active": tru'),
      put('\u0000\u0001'),
      put('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['),
      put('null'),
      put('"just a string"'),
      put(oversized()),
      put('<xml/>', 'application/xml'),
    ]).then((all) => all.map((res) => res.status));
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { codeNow, withEnrollmentServer, type EnrollmentClient } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { startLongPoll } from '../../helpers/long-poll.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

async function started(sub: string) {
  const token = await server.token({ sub });
  return { token, offer: (await api.initiate(token)).body };
}

describe('GET /verification-srv/verificationstatus/{status_id}', () => {
  it("returns the seed's shape with expiry and update times, to anyone holding the id", async () => {
    const { offer } = await started('alice');
    const res = await api.status(offer.status_id);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'id', 'status', 'sub', 'type', 'updated_at']);
    expect(res.body).toMatchObject({ status: 'INITIATED', id: offer.status_id, sub: 'alice', type: 'TOTP' });
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 once the status changed', async () => {
    const { token, offer } = await started('bob');
    const first = await api.status(offer.status_id);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect((await api.status(offer.status_id, { 'if-none-match': etag })).status).toBe(304);
    await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    const changed = await api.status(offer.status_id, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('ENROLLED');
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('answers 304 to an If-None-Match that names the current ETag weakly, in a list, or as *', async () => {
    const { offer } = await started('bea');
    const etag = (await api.status(offer.status_id)).headers.get('etag')!;
    for (const ifNoneMatch of [`W/${etag}`, `"other", ${etag}`, '*']) {
      expect((await api.status(offer.status_id, { 'if-none-match': ifNoneMatch })).status).toBe(304);
    }
    expect((await api.status(offer.status_id, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('rejects a malformed id with 400 VER_0007 and an unknown one with 404 VER_0030', async () => {
    const malformed = await api.status('nope');
    expectProblem(malformed, 400, 'VER_0007');
    const unknown = await api.status('00000000-0000-4000-8000-000000000000');
    expectProblem(unknown, 404, 'VER_0030');
  });

  it('ignores query parameters it does not know, such as a cache-buster', async () => {
    const { offer } = await started('cache-buster');
    const res = await api.status(offer.status_id, {}, `?_=${Date.now()}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('INITIATED');
  });

  it('rejects wait above 30 seconds with 400 naming wait', async () => {
    const { offer } = await started('carol');
    const res = await api.status(offer.status_id, {}, '?wait=31');
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('wait');
  });

  it('holds a ?wait poll until the status changes and answers at once with the new status', async () => {
    const { offer } = await started('dave');
    const started_ = Date.now();
    const poll = await startLongPoll(server, () => api.status(offer.status_id, {}, '?wait=20'));
    expect((await api.scan(offer)).status).toBe(200);
    const res = await poll.response;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SCANNED');
    expect(Date.now() - started_).toBeLessThan(10_000);
  });

  it('answers a ?wait poll with 304 when nothing changed before the wait ended', async () => {
    const { offer } = await started('erin');
    const { headers } = await api.status(offer.status_id);
    const res = await api.status(offer.status_id, { 'if-none-match': headers.get('etag')! }, '?wait=1');
    expect(res.status).toBe(304);
  });

  it('answers a ?wait poll at once when the caller holds an older version', async () => {
    const { offer } = await started('frank');
    const { headers } = await api.status(offer.status_id);
    await api.scan(offer);
    const t0 = Date.now();
    const res = await api.status(offer.status_id, { 'if-none-match': headers.get('etag')! }, '?wait=20');
    expect(res.body.status).toBe('SCANNED');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('reports each held ?wait poll in the verification_status_long_polls gauge until it answers', async () => {
    const { offer } = await started('gina');
    const gauge = async () => {
      const metrics = await request<string>(`${server.url}/metrics`);
      return Number(/^verification_status_long_polls (\d+)$/m.exec(metrics.body)?.[1]);
    };
    expect(await gauge()).toBe(0);
    const poll = await startLongPoll(server, () => api.status(offer.status_id, {}, '?wait=20'));
    expect(await gauge()).toBe(1);
    await api.scan(offer);
    expect((await poll.response).body.status).toBe('SCANNED');
    expect(await gauge()).toBe(0);
  });
});

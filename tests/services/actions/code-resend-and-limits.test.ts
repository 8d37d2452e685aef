import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, deliveredTo, otherCode, receivedCode, uniqueEmail, uniqueMobile, type CodeClient } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../../helpers/delivery.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { retryAfterOf, uniqueSub } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// Resending codes and the limits on sending them (DESIGN §11): a 30 s cooldown, at most 5 codes
// per destination per 10 minutes and per user per hour, and a resend never resets the count of
// wrong codes. Every refusal is a 429 with Retry-After, and nothing is sent for it.
let server: TestServer;
let sms: CodeClient;
let email: CodeClient;
beforeAll(async () => {
  server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, INITIATION_RATE_LIMIT: '0' } });
  sms = codeClient(server, 'sms');
  email = codeClient(server, 'email');
});
afterAll(() => server?.close());

const userToken = (prefix: string) => server.token({ sub: uniqueSub(prefix) });

describe('POST /verification-actions-srv/setup/{sms|email}/resend/{exchange_id}', () => {
  it('refuses a resend within 30 s of the last code with 429 VER_0075 and the seconds left', async () => {
    const token = await userToken('resend-soon');
    const number = uniqueMobile();
    server.clock.freeze();
    const started = await sms.initiate(token, number);
    server.clock.advance(10_000);
    const res = await sms.resend(token, started.body.exchange_id.exchange_id).finally(() => server.clock.resume());
    expectProblem(res, 429, 'VER_0075');
    expect(retryAfterOf(res)).toBe(20);
    expect(res.body).toMatchObject({ retry_after: 20 });
  });

  it('sends a new code after the cooldown: the old one stops working, the new one enrolls, the lifetime starts again', async () => {
    const token = await userToken('resend-new');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const exchangeId = started.body.exchange_id.exchange_id;
    const first = await receivedCode(server, number);
    server.clock.advance(30_000);
    server.clock.freeze();
    const at = server.clock.now().getTime();
    const resent = await sms.resend(token, exchangeId).finally(() => server.clock.resume());
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({
      exchange_id: { exchange_id: exchangeId, expires_at: new Date(at + 600_000).toISOString() },
      status_id: started.body.status_id,
      destination: started.body.destination,
      resend_after: new Date(at + 30_000).toISOString(),
    });
    const second = await receivedCode(server, number, 2);
    expect((await sms.status(started.body.status_id)).body).toMatchObject({ status: 'INITIATED', expires_at: new Date(at + 600_000).toISOString() });
    if (first !== second) expectProblem(await sms.verify(token, exchangeId, first), 400, 'VER_0041');
    expect((await sms.verify(token, exchangeId, second)).status).toBe(200);
  });

  it('never resets the wrong codes: three before a resend and two after fail the enrollment', async () => {
    const token = await userToken('resend-count');
    const address = uniqueEmail('count');
    const started = await email.initiate(token, address);
    const exchangeId = started.body.exchange_id.exchange_id;
    const code = await receivedCode(server, address);
    for (let i = 0; i < 3; i++) expectProblem(await email.verify(token, exchangeId, otherCode(code)), 400, 'VER_0041');
    server.clock.advance(30_000);
    expect((await email.resend(token, exchangeId)).status).toBe(200);
    const fresh = await receivedCode(server, address, 2);
    const wrong = await email.verify(token, exchangeId, otherCode(fresh));
    expect(wrong.body).toMatchObject({ remaining_attempts: 1 });
    expectProblem(await email.verify(token, exchangeId, otherCode(fresh)), 409, 'VER_0034');
  });

  it('of parallel resends after the cooldown, one sends and the others wait their turn (429 VER_0075)', async () => {
    const token = await userToken('resend-race');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    await receivedCode(server, number);
    server.clock.advance(30_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => sms.resend(token, started.body.exchange_id.exchange_id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 200)) expectProblem(refused, 429, 'VER_0075');
    await receivedCode(server, number, 2);
    expect(await deliveredTo(server, number)).toHaveLength(2);
  });

  it('sends at most 5 codes to one destination in 10 minutes, whoever asks: then 429 VER_0076 until the oldest leaves the window', async () => {
    const number = uniqueMobile();
    const owner = await userToken('dest-cap');
    const started = await sms.initiate(owner, number);
    // Each code is delivered before the clock jumps, so no jump outruns an outbox lease.
    await receivedCode(server, number, 1);
    for (let i = 0; i < 3; i++) {
      server.clock.advance(30_000);
      expect((await sms.resend(owner, started.body.exchange_id.exchange_id)).status).toBe(200);
      await receivedCode(server, number, i + 2);
    }
    // The fifth code, asked for by someone else typing the same number.
    expect((await sms.initiate(await userToken('dest-cap-other'), number)).status).toBe(201);
    server.clock.advance(30_000);
    const refused = await sms.resend(owner, started.body.exchange_id.exchange_id);
    expectProblem(refused, 429, 'VER_0076');
    // The first code went 2 minutes ago: its place frees 8 minutes from now.
    expect(retryAfterOf(refused)).toBe(480);
    expectProblem(await sms.initiate(await userToken('dest-cap-third'), number), 429, 'VER_0076');
    await receivedCode(server, number, 5);
    expect(await deliveredTo(server, number)).toHaveLength(5);
  });

  it('sends at most 5 codes for one user in an hour, to any destinations: then 429 VER_0077', async () => {
    const token = await userToken('user-cap');
    for (let i = 0; i < 5; i++) expect((await email.initiate(token, uniqueEmail('cap'))).status).toBe(201);
    const address = uniqueEmail('cap');
    const res = await email.initiate(token, address);
    expectProblem(res, 429, 'VER_0077');
    expect(retryAfterOf(res)).toBe(3600);
    expectProblem(await sms.initiate(token, uniqueMobile()), 429, 'VER_0077');
    expect(await deliveredTo(server, address)).toEqual([]);
  });

  it("answers another user's exchange id, or a status id, as unknown (404 VER_0030) and sends nothing", async () => {
    const token = await userToken('resend-owner');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    await receivedCode(server, number);
    server.clock.advance(30_000);
    expectProblem(await sms.resend(await userToken('resend-thief'), started.body.exchange_id.exchange_id), 404, 'VER_0030');
    expectProblem(await sms.resend(await server.token({ sub: 'x', tenant: 'elsewhere' }), started.body.exchange_id.exchange_id), 404, 'VER_0030');
    expectProblem(await sms.resend(token, started.body.status_id), 404, 'VER_0030');
    expect(await deliveredTo(server, number)).toHaveLength(1);
  });

  it('refuses a resend of a finished enrollment with its 409', async () => {
    const token = await userToken('resend-done');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    expect((await sms.verify(token, started.body.exchange_id.exchange_id, code)).status).toBe(200);
    server.clock.advance(30_000);
    expectProblem(await sms.resend(token, started.body.exchange_id.exchange_id), 409, 'VER_0032');
  });
});

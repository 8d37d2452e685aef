import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, deliveredTo, enrollDestination, otherCode, receivedCode, uniqueEmail, uniqueMobile, type CodeClient } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../../helpers/delivery.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { withAssertion } from '../../helpers/step-up.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// Signing in with SMS and EMAIL codes (DESIGN §9, §11): a challenge sends a code to the enrolled
// destination and answers where it went, masked; the code answers the challenge once.
// Two instances share one database: a code answered on either is answered once.
let database: ScratchDatabase;
let server: TestServer;
let other: TestServer;
let sms: CodeClient;
let email: CodeClient;
beforeAll(async () => {
  database = await createScratchDatabase();
  const env = { ...FAST_DELIVERY_ENV, INITIATION_RATE_LIMIT: '0' };
  server = await startTestServer({ databaseUrl: database.url, env });
  other = await startTestServer({ databaseUrl: database.url, env });
  sms = codeClient(server, 'sms');
  email = codeClient(server, 'email');
});
afterAll(async () => {
  await server?.close();
  await other?.close();
  await database?.drop();
});

interface SmsUser {
  sub: string;
  token: string;
  number: string;
  phId: string;
}

async function smsUser(prefix: string, tenant?: string): Promise<SmsUser> {
  const sub = uniqueSub(prefix);
  const token = await server.token({ sub, ...(tenant ? { tenant } : {}) });
  const number = uniqueMobile();
  const phId = await enrollDestination(server, 'sms', token, number);
  return { sub, token, number, phId };
}

/** Starts a challenge for `user` and returns it with the code it sent (the enrollment's was the first message). */
async function challenge(user: SmsUser, sent = 2) {
  const started = await sms.signInInitiate(user.token);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return { exchangeId: started.body.exchange_id.exchange_id, statusId: started.body.status_id, code: await receivedCode(server, user.number, sent), offer: started.body };
}

describe('POST /verification-srv/authentication/{sms|email}/initiation', () => {
  it('sends a sign-in code to the enrolled number and answers where it went, masked', async () => {
    const user = await smsUser('si-start');
    const { offer, code } = await challenge(user);
    expect(offer).toMatchObject({ type: 'SMS', destination: `+49•••••${user.number.slice(-3)}` });
    const [message] = await deliveredTo(server, user.number);
    expect(message!.text.startsWith(`${code} is your `)).toBe(true);
    expect((await sms.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED', type: 'SMS' });
  });

  it('sends to the destination ph_id names, and refuses a ph_id that is not the user’s with 404 VER_0079', async () => {
    const sub = uniqueSub('si-phid');
    const token = await server.token({ sub });
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    await enrollDestination(server, 'email', token, first);
    const stepped = await server.token({ sub, amr: ['pwd', 'otp'], authTime: Math.floor(server.clock.now().getTime() / 1000) });
    const secondPhId = await enrollDestination(server, 'email', stepped, second);
    const started = await email.signInInitiate(token, { ph_id: secondPhId });
    expect(started.status).toBe(201);
    expect(started.body.destination).toBe(`s•••@example.com`);
    await receivedCode(server, second, 2);
    expect(await deliveredTo(server, first)).toHaveLength(1);
    const stranger = await smsUser('si-phid-other');
    expectProblem(await email.signInInitiate(token, { ph_id: stranger.phId }), 404, 'VER_0079');
  });

  it('stops a flood of challenges at the send caps (429 with Retry-After): no sixth code in ten minutes', async () => {
    const user = await smsUser('si-flood');
    const service = await server.token({ sub: 'backend', scope: 'verification:service' });
    // The enrollment's code was the first of five.
    for (let i = 0; i < 4; i++) expect((await sms.signInInitiate(service, { sub: user.sub })).status).toBe(201);
    const refused = await sms.signInInitiate(service, { sub: user.sub });
    expectProblem(refused, 429, 'VER_0076');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await receivedCode(server, user.number, 5);
    expect(await deliveredTo(server, user.number)).toHaveLength(5);
  });

  it('refuses a user without an SMS factor with 409 VER_0043', async () => {
    expectProblem(await sms.signInInitiate(await server.token({ sub: uniqueSub('si-none') })), 409, 'VER_0043');
  });

  it("refuses another tenant's token: the user has no factor there (409 VER_0043)", async () => {
    const user = await smsUser('si-tenant');
    expectProblem(await sms.signInInitiate(await server.token({ sub: user.sub, tenant: 'elsewhere' })), 409, 'VER_0043');
    expect(await deliveredTo(server, user.number)).toHaveLength(1);
  });

  it('lets a backend with verification:service start it for a user it names', async () => {
    const user = await smsUser('si-service');
    const service = await server.token({ sub: 'backend', scope: 'verification:service' });
    const started = await sms.signInInitiate(service, { sub: user.sub });
    expect(started.status).toBe(201);
    const code = await receivedCode(server, user.number, 2);
    const res = await sms.signInVerify(service, started.body.exchange_id.exchange_id, code, user.sub);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', sub: user.sub, ph_id: user.phId });
  });
});

describe('POST /verification-srv/authentication/{sms|email}/verification', () => {
  it('signs in with the code: AUTHENTICATED with an assertion, seen by a WebSocket watcher', async () => {
    const user = await smsUser('si-ok');
    const { exchangeId, statusId, code } = await challenge(user);
    const socket = await TestSocket.open(wsUrl(server.url, `?status_id=${statusId}`));
    expect((await socket.next()).data?.status).toBe('INITIATED');
    const res = await sms.signInVerify(user.token, exchangeId, code);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', sub: user.sub, verification_type: 'SMS', ph_id: user.phId, status_id: statusId, assertion: expect.any(String) });
    // Before it, the live challenge may announce its message's delivery (still INITIATED).
    expect((await socket.nextMatching((m) => m.data?.status !== 'INITIATED')).data).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.phId });
    await socket.close();
  });

  it('accepts a code once: again it is 409 VER_0025', async () => {
    const user = await smsUser('si-once');
    const { exchangeId, code } = await challenge(user);
    expect((await sms.signInVerify(user.token, exchangeId, code)).status).toBe(200);
    expectProblem(await sms.signInVerify(user.token, exchangeId, code), 409, 'VER_0025');
  });

  it('of parallel verifications of one code on two instances, exactly one signs in', async () => {
    const user = await smsUser('si-race');
    const { exchangeId, code } = await challenge(user);
    const otherSms = codeClient(other, 'sms');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? otherSms : sms).signInVerify(user.token, exchangeId, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 200)) expectProblem(refused, 409, 'VER_0025');
  });

  it('fails the challenge at the fifth wrong code (409 VER_0027); the right code is refused after', async () => {
    const user = await smsUser('si-fail');
    const { exchangeId, statusId, code } = await challenge(user);
    for (let i = 0; i < 4; i++) {
      expectProblem(await sms.signInVerify(user.token, exchangeId, otherCode(code)), 400, 'VER_0041');
      server.clock.advance(10_000); // past the user's throttle backoff
    }
    expectProblem(await sms.signInVerify(user.token, exchangeId, otherCode(code)), 409, 'VER_0027');
    expect((await sms.status(statusId)).body).toMatchObject({ status: 'FAILED' });
    server.clock.advance(10_000);
    expectProblem(await sms.signInVerify(user.token, exchangeId, code), 409, 'VER_0027');
  });

  it('refuses a code with letters or spaces with 400 VER_0001', async () => {
    const user = await smsUser('si-shape');
    const { exchangeId } = await challenge(user);
    expectProblem(await sms.signInVerify(user.token, exchangeId, '12 456'), 400, 'VER_0001');
    expectProblem(await sms.signInVerify(user.token, exchangeId, 'abcdef'), 400, 'VER_0001');
  });

  it("refuses a status id, another user's exchange id, and another tenant's token with 404 VER_0023", async () => {
    const user = await smsUser('si-steal');
    const { exchangeId, statusId, code } = await challenge(user);
    expectProblem(await sms.signInVerify(user.token, statusId, code), 404, 'VER_0023');
    const thief = await smsUser('si-thief');
    expectProblem(await sms.signInVerify(thief.token, exchangeId, code), 404, 'VER_0023');
    expectProblem(await sms.signInVerify(await server.token({ sub: user.sub, tenant: 'elsewhere' }), exchangeId, code), 404, 'VER_0023');
    expect((await sms.signInVerify(user.token, exchangeId, code)).status).toBe(200);
  });
});

describe('changing the destination (step-up, DESIGN §8)', () => {
  it('refuses a new number to a user with a factor without step-up (401 VER_0014), and sends nothing', async () => {
    const user = await smsUser('si-change');
    const newNumber = uniqueMobile();
    expectProblem(await sms.initiate(user.token, newNumber), 401, 'VER_0014');
    expect(await deliveredTo(server, newNumber)).toEqual([]);
  });

  it('accepts the new number with the assertion of an SMS sign-in', async () => {
    const user = await smsUser('si-change-ok');
    const { exchangeId, code } = await challenge(user);
    const signedIn = await sms.signInVerify(user.token, exchangeId, code);
    const newNumber = uniqueMobile();
    const started = await sms.initiate(user.token, newNumber, withAssertion(String(signedIn.body.assertion)));
    expect(started.status).toBe(201);
    const fresh = await receivedCode(server, newNumber);
    expect((await sms.verify(user.token, started.body.exchange_id.exchange_id, fresh)).status).toBe(200);
  });
});

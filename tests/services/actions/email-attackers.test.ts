import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, deliveredTo, enrollDestination, receivedCode, uniqueEmail, type CodeClient } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../../helpers/delivery.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { retryAfterOf, uniqueSub } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// What an attacker gets from the EMAIL code method (DESIGN §8, §11): the same refusals the SMS
// tests pin down (a stolen first-factor token, a token of another tenant, a status id in place of
// the exchange id, a flood of codes to one address), asserted for EMAIL.
let server: TestServer;
let email: CodeClient;
beforeAll(async () => {
  server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, INITIATION_RATE_LIMIT: '0' } });
  email = codeClient(server, 'email');
});
afterAll(() => server?.close());

/** The same sub in a tenant the user never enrolled in. */
const otherTenantToken = (sub: string) => server.token({ sub, tenant: 'elsewhere' });

/** A user of the default tenant with one EMAIL factor enrolled (its code was the first message). */
async function emailUser(prefix: string) {
  const sub = uniqueSub(prefix);
  const token = await server.token({ sub });
  const address = uniqueEmail(prefix);
  await enrollDestination(server, 'email', token, address);
  return { sub, token, address };
}

describe('EMAIL: what an attacker with a stolen token, a wrong id or many requests gets', () => {
  it('refuses a new address to a stolen first-factor token of a user with a factor (401 VER_0014), and mails nothing', async () => {
    const user = await emailUser('em-stolen');
    const attackerAddress = uniqueEmail('em-attacker');
    expectProblem(await email.initiate(user.token, attackerAddress), 401, 'VER_0014');
    expect(await deliveredTo(server, attackerAddress)).toEqual([]);
    expect(await deliveredTo(server, user.address)).toHaveLength(1);
  });

  it("answers the enrollment verification with another tenant's token, or a status id, as unknown (404 VER_0030), without counting", async () => {
    const sub = uniqueSub('em-verify');
    const token = await server.token({ sub });
    const address = uniqueEmail('em-verify');
    const started = await email.initiate(token, address);
    expect(started.status).toBe(201);
    const code = await receivedCode(server, address);
    expectProblem(await email.verify(await otherTenantToken(sub), started.body.exchange_id.exchange_id, code), 404, 'VER_0030');
    expectProblem(await email.verify(token, started.body.status_id, code), 404, 'VER_0030');
    const done = await email.verify(token, started.body.exchange_id.exchange_id, code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'ENROLLED', verification_type: 'EMAIL' });
  });

  it("answers a resend with another tenant's token, or a status id, as unknown (404 VER_0030), and mails nothing", async () => {
    const sub = uniqueSub('em-resend');
    const token = await server.token({ sub });
    const address = uniqueEmail('em-resend');
    const started = await email.initiate(token, address);
    expect(started.status).toBe(201);
    await receivedCode(server, address);
    server.clock.advance(30_000);
    expectProblem(await email.resend(await otherTenantToken(sub), started.body.exchange_id.exchange_id), 404, 'VER_0030');
    expectProblem(await email.resend(token, started.body.status_id), 404, 'VER_0030');
    expect(await deliveredTo(server, address)).toHaveLength(1);
    // The owner, past the same cooldown, is sent a new code: the refusals were about who asked.
    expect((await email.resend(token, started.body.exchange_id.exchange_id)).status).toBe(200);
  });

  it("answers the sign-in verification with another tenant's token, or a status id, as unknown (404 VER_0023), without counting", async () => {
    const user = await emailUser('em-sign-in');
    const challenge = await email.signInInitiate(user.token);
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(201);
    const exchangeId = challenge.body.exchange_id.exchange_id;
    const code = await receivedCode(server, user.address, 2);
    expectProblem(await email.signInVerify(await otherTenantToken(user.sub), exchangeId, code), 404, 'VER_0023');
    expectProblem(await email.signInVerify(user.token, challenge.body.status_id, code), 404, 'VER_0023');
    const res = await email.signInVerify(user.token, exchangeId, code);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED' });
  });

  it('cuts a flood of enrollments to one address off at 5 codes in 10 minutes (429 VER_0076 with Retry-After), and mails no sixth', async () => {
    const address = uniqueEmail('em-flood');
    server.clock.freeze();
    try {
      // Five users typing the victim's address: each is under its own per-user cap.
      for (let i = 0; i < 5; i++) expect((await email.initiate(await server.token({ sub: uniqueSub('em-flood') }), address)).status).toBe(201);
      const refused = await email.initiate(await server.token({ sub: uniqueSub('em-flood') }), address);
      expectProblem(refused, 429, 'VER_0076');
      // All five went at this very instant: the oldest leaves the window in 10 minutes.
      expect(retryAfterOf(refused)).toBe(600);
    } finally {
      server.clock.resume();
    }
    await receivedCode(server, address, 5);
    expect(await deliveredTo(server, address)).toHaveLength(5);
  });
});

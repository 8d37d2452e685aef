import { describe, expect, it } from 'vitest';
import { codeNow, enrollAuthenticator, wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import {
  advanceSteps,
  alignToMidStep,
  enrolledUser,
  retryAfterOf,
  sendWrongCodes,
  setTotpConfig,
  uniqueSub,
} from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { oathtoolDate, runOathtool } from '../../shared/otp/helpers.ts';

const LOCKOUT_S = 15 * 60;

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

describe('POST /verification-srv/authentication/totp/verification', () => {
  it('authenticates a fresh code from the enrolled authenticator', async () => {
    const user = await enrolledUser(server, { prefix: 'fresh' });
    const now = server.clock.now();
    const res = await api.signIn(user.token, codeNow(server, user.secret));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.body as Record<string, unknown>;
    expect(body).toEqual({
      status: 'AUTHENTICATED',
      sub: user.sub,
      verification_type: 'TOTP',
      ph_id: user.phId,
      authenticated_at: expect.any(String),
      assertion: expect.any(String),
    });
    expect(Math.abs(Date.parse(String(body.authenticated_at)) - now.getTime())).toBeLessThan(5_000);
  });

  it('accepts a code computed by oathtool (SHA1, 6 digits, 30 s)', async () => {
    const user = await enrolledUser(server, { prefix: 'oathtool' });
    const code = await runOathtool(['--totp=SHA1', '--digits=6', '--time-step-size=30s', '--base32', `--now=${oathtoolDate(server.clock.now().getTime())}`, user.secret]);
    expect(code).toMatch(/^[0-9]{6}$/);
    const res = await api.signIn(user.token, code);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.phId });
  });

  it('answers a user with no authenticator with 409 VER_0043', async () => {
    const token = await server.token({ sub: uniqueSub('none') });
    expectProblem(await api.signIn(token, '123456'), 409, 'VER_0043');
  });

  it('answers users of a tenant it has never seen with 409 VER_0043, also several at once', async () => {
    const tenant = uniqueSub('unseen-tenant');
    const tokens = await Promise.all(Array.from({ length: 4 }, () => server.token({ sub: uniqueSub('newcomer'), tenant })));
    const answers = await Promise.all(tokens.flatMap((token) => [api.signIn(token, '123456'), api.signIn(token, '654321')]));
    for (const res of answers) expectProblem(res, 409, 'VER_0043');
  });

  it('accepts the code of either of two authenticators of the same user', async () => {
    const user = await enrolledUser(server, { prefix: 'two' });
    alignToMidStep(server);
    const second = await enrollAuthenticator(server, await steppedUpToken(server, { sub: user.sub }));
    advanceSteps(server);
    const first = await api.signIn(user.token, codeNow(server, user.secret));
    expect(first.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.phId });
    advanceSteps(server);
    const other = await api.signIn(user.token, codeNow(server, second.secret));
    expect(other.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: second.phId });
  });
});

describe('single use (replay)', () => {
  it('refuses the same code a second time with 400 VER_0041', async () => {
    const user = await enrolledUser(server, { prefix: 'replay' });
    const code = codeNow(server, user.secret);
    expect((await api.signIn(user.token, code)).status).toBe(200);
    expectProblem(await api.signIn(user.token, code), 400, 'VER_0041');
  });

  it('refuses the code that completed the enrollment, in the same step', async () => {
    const sub = uniqueSub('enroll-code');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: offer } = await api.initiate(token);
    const code = codeNow(server, offer.totp_secret);
    expect((await api.verify(token, offer.exchange_id.exchange_id, code)).status).toBe(200);
    expectProblem(await api.signIn(token, code), 400, 'VER_0041');
  });

  it('refuses the code that completed the enrollment one step later, though it is still inside the window', async () => {
    const sub = uniqueSub('enroll-code-late');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: offer } = await api.initiate(token);
    const code = codeNow(server, offer.totp_secret);
    expect((await api.verify(token, offer.exchange_id.exchange_id, code)).status).toBe(200);
    advanceSteps(server);
    expectProblem(await api.signIn(token, code), 400, 'VER_0041');
  });

  it('refuses a code of an earlier step than the last accepted one, though it is inside the window', async () => {
    const user = await enrolledUser(server, { prefix: 'earlier' });
    advanceSteps(server);
    expect((await api.signIn(user.token, codeNow(server, user.secret, undefined, 1))).status).toBe(200);
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret)), 400, 'VER_0041');
  });
});

describe('clock drift window (±1 step by default)', () => {
  it('accepts the code of the previous step', async () => {
    const user = await enrolledUser(server, { prefix: 'drift-back' });
    advanceSteps(server, 2);
    expect((await api.signIn(user.token, codeNow(server, user.secret, undefined, -1))).status).toBe(200);
  });

  it('accepts the code of the next step', async () => {
    const user = await enrolledUser(server, { prefix: 'drift-ahead' });
    expect((await api.signIn(user.token, codeNow(server, user.secret, undefined, 1))).status).toBe(200);
  });

  it('refuses a code two steps behind', async () => {
    const user = await enrolledUser(server, { prefix: 'drift-2-back' });
    advanceSteps(server, 3);
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret, undefined, -2)), 400, 'VER_0041');
  });

  it('refuses a code two steps ahead', async () => {
    const user = await enrolledUser(server, { prefix: 'drift-2-ahead' });
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret, undefined, 2)), 400, 'VER_0041');
  });
});

describe('throttling of wrong codes', () => {
  it('answers the first three wrong codes with a plain 400 VER_0041 and no Retry-After', async () => {
    const user = await enrolledUser(server, { prefix: 'free' });
    for (let i = 0; i < 3; i++) {
      const res = await api.signIn(user.token, wrongCode(server, user.secret));
      expectProblem(res, 400, 'VER_0041');
      expect(res.headers.get('retry-after')).toBeNull();
    }
    expect((await api.signIn(user.token, codeNow(server, user.secret))).status).toBe(200);
  });

  it('asks to wait (Retry-After) from the fourth wrong code on, and refuses even a right code with 429 VER_0042 meanwhile', async () => {
    const user = await enrolledUser(server, { prefix: 'backoff' });
    const fourth = await sendWrongCodes(server, user, 4);
    const wait = retryAfterOf(fourth);
    expect(wait).toBeGreaterThan(0);
    const blocked = await api.signIn(user.token, codeNow(server, user.secret));
    expectProblem(blocked, 429, 'VER_0042');
    expect(retryAfterOf(blocked)).toBeGreaterThan(0);
    expect(retryAfterOf(blocked)).toBeLessThanOrEqual(wait!);
  });

  it('accepts a right code once the backoff has passed', async () => {
    const user = await enrolledUser(server, { prefix: 'backoff-over' });
    const wait = retryAfterOf(await sendWrongCodes(server, user, 4))!;
    server.clock.advance(wait * 1000 + 1);
    expect((await api.signIn(user.token, codeNow(server, user.secret))).status).toBe(200);
  });

  it('locks the user for 15 minutes after ten consecutive wrong codes, even against a correct code', async () => {
    const user = await enrolledUser(server, { prefix: 'locked' });
    const tenth = await sendWrongCodes(server, user, 10);
    expect(retryAfterOf(tenth)).toBe(LOCKOUT_S);
    server.clock.advance(60_000);
    const res = await api.signIn(user.token, codeNow(server, user.secret));
    expectProblem(res, 429, 'VER_0042');
    expect(retryAfterOf(res)).toBeGreaterThanOrEqual(LOCKOUT_S - 61);
    expect(retryAfterOf(res)).toBeLessThanOrEqual(LOCKOUT_S - 59);
  });

  it('ends the lock by itself: after 15 minutes a correct code is accepted and the count starts again', async () => {
    const user = await enrolledUser(server, { prefix: 'unlocked' });
    await sendWrongCodes(server, user, 10);
    server.clock.advance(LOCKOUT_S * 1000 + 1_000);
    alignToMidStep(server);
    expect((await api.signIn(user.token, codeNow(server, user.secret))).status).toBe(200);
    const next = await api.signIn(user.token, wrongCode(server, user.secret));
    expectProblem(next, 400, 'VER_0041');
    expect(next.headers.get('retry-after')).toBeNull();
  });

  it('does not lock another user of the same tenant out when one user is attacked', async () => {
    const victim = await enrolledUser(server, { prefix: 'victim', tenant: 'storm' });
    const bystander = await enrolledUser(server, { prefix: 'bystander', tenant: 'storm' });
    await sendWrongCodes(server, victim, 10);
    expectProblem(await api.signIn(victim.token, codeNow(server, victim.secret)), 429, 'VER_0042');
    expect((await api.signIn(bystander.token, codeNow(server, bystander.secret))).status).toBe(200);
  });

  it("does not lock the same sub of another tenant out (an attacker cannot lock another tenant's user)", async () => {
    const sub = uniqueSub('twin');
    const attacked = await enrolledUser(server, { sub, tenant: 'storm-a' });
    const twin = await enrolledUser(server, { sub, tenant: 'storm-b' });
    await sendWrongCodes(server, attacked, 10);
    expectProblem(await api.signIn(attacked.token, codeNow(server, attacked.secret)), 429, 'VER_0042');
    expect((await api.signIn(twin.token, codeNow(server, twin.secret))).body).toMatchObject({ status: 'AUTHENTICATED', sub });
  });
});

describe('who may verify a code', () => {
  it('lets a service token verify the code of the sub named in the body', async () => {
    const user = await enrolledUser(server, { prefix: 'svc', tenant: 'svc-tenant' });
    const service = await server.token({ sub: 'login-backend', tenant: 'svc-tenant', scope: 'verification:service' });
    const res = await api.signIn(service, codeNow(server, user.secret), user.sub);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', sub: user.sub, ph_id: user.phId });
  });

  it('refuses a service token without sub in the body with 400 naming sub', async () => {
    const service = await server.token({ sub: 'login-backend', scope: 'verification:service' });
    const res = await api.signIn(service, '123456');
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toMatch(/^sub/);
  });

  it("does not let a service token of another tenant verify a user's code", async () => {
    const user = await enrolledUser(server, { prefix: 'svc-cross', tenant: 'svc-home' });
    const foreign = await server.token({ sub: 'login-backend', tenant: 'svc-elsewhere', scope: 'verification:service' });
    expectProblem(await api.signIn(foreign, codeNow(server, user.secret), user.sub), 409, 'VER_0043');
    expect((await api.signIn(user.token, codeNow(server, user.secret))).status).toBe(200);
  });

  it("refuses a user token naming someone else's sub with 403 VER_0012", async () => {
    const victim = await enrolledUser(server, { prefix: 'named' });
    const mallory = await server.token({ sub: uniqueSub('mallory') });
    expectProblem(await api.signIn(mallory, codeNow(server, victim.secret), victim.sub), 403, 'VER_0012');
  });

  it('refuses sign-in with 409 VER_0021 when the tenant switched TOTP off', async () => {
    const user = await enrolledUser(server, { prefix: 'inactive', tenant: 'switched-off' });
    await setTotpConfig(server, 'switched-off', { active: false });
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret)), 409, 'VER_0021');
  });
});

import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeNow, enrollmentClient, type EnrollmentClient, type Offer } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { alignToMidStep, enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import { serverSeconds, signInForAssertion, steppedUpToken, withAssertion } from '../../helpers/step-up.ts';
import { startTestServer, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestServer } from '../../helpers/test-server.ts';

// DESIGN §8: once a user has a factor, adding or removing one needs a fresh second factor.

const STEP_UP_ACR = 'urn:example:acr:mfa';
const STEP_UP_REQUIRED = 'VER_0014';

let server: TestServer;
let api: EnrollmentClient;
beforeAll(async () => {
  server = await startTestServer({ env: { STEP_UP_ACR } });
  api = enrollmentClient(server);
});
afterAll(() => server.close());

const aliasInitiate = (token: string, headers: Record<string, string> = {}) =>
  request<Offer>(`${server.url}/verification-srv/v2/setup/initiate/totp`, { token, body: {}, headers });

/** Live and finished enrollments of a user, straight from the table. */
async function enrollmentCount(sub: string): Promise<number> {
  const { rows } = await server.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM exchanges WHERE sub = $1', [sub]);
  return rows[0]!.n;
}

/** An assertion with the shape of the service's own, signed with `key`, for forgery tests. */
function forgedAssertion(key: Uint8Array, sub: string, tenant = 'default'): Promise<string> {
  const now = serverSeconds(server);
  return new SignJWT({ tid: tenant, amr: ['totp'], auth_time: now })
    .setProtectedHeader({ alg: 'HS256', typ: 'verification-assertion+jwt', kid: 'k1' })
    .setIssuer('urn:verification-srv')
    .setAudience('urn:verification-srv:step-up')
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setJti(crypto.randomUUID())
    .sign(key);
}

describe('a stolen first-factor token (the attack of issue 9)', () => {
  it('cannot start an enrollment for a user who has a factor: 401 VER_0014 at the first step, no secret', async () => {
    const victim = await enrolledUser(server, { prefix: 'victim' });
    const before = await enrollmentCount(victim.sub);
    const res = await api.initiate(victim.token);
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(JSON.stringify(res.body)).not.toMatch(/secret|otpauth/);
    expect(await enrollmentCount(victim.sub)).toBe(before);
  });

  it('cannot start one at the cidaas alias path either', async () => {
    const victim = await enrolledUser(server, { prefix: 'victim-alias' });
    expectProblem(await aliasInitiate(victim.token), 401, STEP_UP_REQUIRED);
  });

  it("cannot delete the user's device, which stays listed", async () => {
    const victim = await enrolledUser(server, { prefix: 'victim-delete' });
    expectProblem(await api.removeDevice(victim.token, victim.phId), 401, STEP_UP_REQUIRED);
    expect((await api.devices(victim.token)).body.map((d) => d.ph_id)).toEqual([victim.phId]);
  });

  it('gets the RFC 9470 challenge with max_age and the acr that would do', async () => {
    const victim = await enrolledUser(server, { prefix: 'challenge' });
    const res = await api.initiate(victim.token);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_user_authentication", error_description="A fresh second factor is required", max_age=300, acr_values="${STEP_UP_ACR}"`,
    );
  });

  it('is logged once as stepup.refused with tenant and sub, never the token', async () => {
    const victim = await enrolledUser(server, { prefix: 'logged' });
    await api.removeDevice(victim.token, victim.phId);
    const lines = server.logs.filter((line) => line.includes('"stepup.refused"') && line.includes(victim.sub));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, event: 'stepup.refused', tenant: 'default', sub: victim.sub });
    expect(lines[0]).not.toContain(victim.token.split('.')[2]);
  });

  it('changes nothing when many refused initiations arrive at once', async () => {
    const victim = await enrolledUser(server, { prefix: 'flood' });
    const before = await enrollmentCount(victim.sub);
    const results = await Promise.all(Array.from({ length: 20 }, () => api.initiate(victim.token)));
    // The per-user initiation limit (10 a minute) answers part of the burst with 429 before step-up is judged.
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(results.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expect(await enrollmentCount(victim.sub)).toBe(before);
  });
});

describe('the first factor', () => {
  it('needs no step-up: a plain token enrolls it', async () => {
    const token = await server.token({ sub: uniqueSub('first') });
    expect((await api.initiate(token)).status).toBe(201);
  });

  it('cannot be completed once another factor exists: the late enrollment is cancelled (409 VER_0015)', async () => {
    const sub = uniqueSub('raced');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: users } = await api.initiate(token);
    const { body: thiefs } = await api.initiate(token);
    expect((await api.verify(token, users.exchange_id.exchange_id, codeNow(server, users.totp_secret))).status).toBe(200);
    const late = await api.verify(token, thiefs.exchange_id.exchange_id, codeNow(server, thiefs.totp_secret));
    expectProblem(late, 409, 'VER_0015');
    expect((await api.status(thiefs.status_id)).body.status).toBe('CANCELLED');
    expect((await api.devices(token)).body).toHaveLength(1);
  });

  it('cannot be completed from the authenticator app either once another factor exists', async () => {
    const sub = uniqueSub('raced-app');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: users } = await api.initiate(token);
    const { body: thiefs } = await api.initiate(token);
    expect((await api.verify(token, users.exchange_id.exchange_id, codeNow(server, users.totp_secret))).status).toBe(200);
    await api.scan(thiefs, 'thief-phone');
    expectProblem(await api.enroll(thiefs, codeNow(server, thiefs.totp_secret), 'thief-phone'), 409, 'VER_0015');
    expect((await api.devices(token)).body).toHaveLength(1);
  });
});

describe('proof by token claims (amr / acr with auth_time)', () => {
  it('amr otp with a fresh auth_time lets the user add a second factor', async () => {
    const user = await enrolledUser(server, { prefix: 'amr' });
    expect((await api.initiate(await steppedUpToken(server, { sub: user.sub }))).status).toBe(201);
  });

  it('amr otp with a fresh auth_time lets the user delete their device', async () => {
    const user = await enrolledUser(server, { prefix: 'amr-delete' });
    expect((await api.removeDevice(await steppedUpToken(server, { sub: user.sub }), user.phId)).status).toBe(204);
  });

  it('acr equal to STEP_UP_ACR with a fresh auth_time is enough without any amr', async () => {
    const user = await enrolledUser(server, { prefix: 'acr' });
    const token = await server.token({ sub: user.sub, acr: STEP_UP_ACR, authTime: serverSeconds(server) });
    expect((await api.initiate(token)).status).toBe(201);
  });

  it('another acr is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'acr-other' });
    const token = await server.token({ sub: user.sub, acr: 'urn:example:acr:password', authTime: serverSeconds(server) });
    expectProblem(await api.initiate(token), 401, STEP_UP_REQUIRED);
  });

  it('amr ["pwd"] alone is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'pwd' });
    const res = await api.initiate(await steppedUpToken(server, { sub: user.sub, amr: ['pwd'] }));
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(detailOf(res)).toContain('first factor');
  });

  it('an auth_time older than STEP_UP_MAX_AGE_S is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'old' });
    const res = await api.initiate(await steppedUpToken(server, { sub: user.sub, authTime: serverSeconds(server, -301) }));
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(detailOf(res)).toContain('300 s');
  });

  it('an auth_time in the future beyond the clock skew is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'future' });
    const res = await api.initiate(await steppedUpToken(server, { sub: user.sub, authTime: serverSeconds(server, 120) }));
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(detailOf(res)).toContain('future');
  });

  it('amr otp without auth_time is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'no-auth-time' });
    const token = await server.token({ sub: user.sub, amr: ['otp'] });
    expectProblem(await api.initiate(token), 401, STEP_UP_REQUIRED);
  });
});

describe('proof by verification assertion', () => {
  it('every sign-in returns one: a JWT of its own type bound to the user, for 5 minutes', async () => {
    const user = await enrolledUser(server, { prefix: 'minted', tenant: 'minted' });
    const assertion = await signInForAssertion(server, user);
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'HS256', typ: 'verification-assertion+jwt' });
    const claims = decodeJwt(assertion);
    expect(claims).toMatchObject({ sub: user.sub, tid: 'minted', amr: ['totp'], auth_time: serverSeconds(server) });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.jti).toEqual(expect.any(String));
  });

  it('lets the user add a second factor with a first-factor token', async () => {
    const user = await enrolledUser(server, { prefix: 'asserted' });
    const assertion = await signInForAssertion(server, user);
    expect((await api.initiate(user.token, {}, withAssertion(assertion))).status).toBe(201);
  });

  it('works at the cidaas alias path too', async () => {
    const user = await enrolledUser(server, { prefix: 'asserted-alias' });
    const assertion = await signInForAssertion(server, user);
    expect((await aliasInitiate(user.token, withAssertion(assertion))).status).toBe(201);
  });

  it('lets the user delete their device with a first-factor token', async () => {
    const user = await enrolledUser(server, { prefix: 'asserted-delete' });
    const assertion = await signInForAssertion(server, user);
    expect((await api.removeDevice(user.token, user.phId, withAssertion(assertion))).status).toBe(204);
  });

  it('is refused once expired', async () => {
    const user = await enrolledUser(server, { prefix: 'expired' });
    const assertion = await signInForAssertion(server, user);
    server.clock.advance(310_000);
    const res = await api.initiate(user.token, {}, withAssertion(assertion));
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(detailOf(res)).toContain('expired');
  });

  it("of another user is refused", async () => {
    const user = await enrolledUser(server, { prefix: 'mine' });
    const other = await enrolledUser(server, { prefix: 'theirs' });
    const assertion = await signInForAssertion(server, other);
    expectProblem(await api.initiate(user.token, {}, withAssertion(assertion)), 401, STEP_UP_REQUIRED);
  });

  it("of the same sub in another tenant is refused", async () => {
    const sub = uniqueSub('twin');
    const here = await enrolledUser(server, { sub, tenant: 'tenant-a' });
    const there = await enrolledUser(server, { sub, tenant: 'tenant-b' });
    const assertion = await signInForAssertion(server, there);
    expectProblem(await api.initiate(here.token, {}, withAssertion(assertion)), 401, STEP_UP_REQUIRED);
  });

  it('signed with JWT_SECRET is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'jwt-secret' });
    const forged = await forgedAssertion(new TextEncoder().encode(TEST_JWT_SECRET), user.sub);
    expectProblem(await api.initiate(user.token, {}, withAssertion(forged)), 401, STEP_UP_REQUIRED);
  });

  it('signed with the raw SECRET_KEY is refused', async () => {
    const user = await enrolledUser(server, { prefix: 'raw-key' });
    const forged = await forgedAssertion(Buffer.from(TEST_SECRET_KEY, 'hex'), user.sub);
    expectProblem(await api.initiate(user.token, {}, withAssertion(forged)), 401, STEP_UP_REQUIRED);
  });

  it('cannot be a bearer token sent in its place', async () => {
    const user = await enrolledUser(server, { prefix: 'token-as-assertion' });
    const bearer = await steppedUpToken(server, { sub: user.sub });
    expectProblem(await api.initiate(user.token, {}, withAssertion(bearer)), 401, STEP_UP_REQUIRED);
  });

  it('is refused as a bearer token (401 VER_0011)', async () => {
    const user = await enrolledUser(server, { prefix: 'assertion-as-token' });
    const assertion = await signInForAssertion(server, user);
    expectProblem(await api.devices(assertion), 401, 'VER_0011');
  });

  it('that is not a JWT at all is a 401, never a 500', async () => {
    const user = await enrolledUser(server, { prefix: 'garbage' });
    for (const junk of ['not-a-jwt', 'a.b.c', '{"sub":"x"}', 'x'.repeat(10_000)]) {
      expectProblem(await api.initiate(user.token, {}, withAssertion(junk)), 401, STEP_UP_REQUIRED);
    }
  });

  it('that is a status id is no proof', async () => {
    const user = await enrolledUser(server, { prefix: 'status-holder' });
    expectProblem(await api.initiate(user.token, {}, withAssertion(user.offer.status_id)), 401, STEP_UP_REQUIRED);
  });
});

describe('account recovery by an admin', () => {
  it("deletes another user's device without step-up", async () => {
    const user = await enrolledUser(server, { prefix: 'lost-phone', tenant: 'recovery' });
    const admin = await server.token({ sub: uniqueSub('helpdesk'), tenant: 'recovery', scope: 'verification:admin' });
    expect((await api.removeDevice(admin, user.phId)).status).toBe(204);
    expect((await api.devices(user.token)).body).toEqual([]);
  });

  it('needs step-up to delete their own device like anyone', async () => {
    const admin = await enrolledUser(server, { prefix: 'admin-self', tenant: 'recovery' });
    const adminToken = await server.token({ sub: admin.sub, tenant: 'recovery', scope: 'verification:admin' });
    expectProblem(await api.removeDevice(adminToken, admin.phId), 401, STEP_UP_REQUIRED);
  });

  it('needs step-up to start an enrollment for themselves once they have a factor', async () => {
    const admin = await enrolledUser(server, { prefix: 'admin-enroll', tenant: 'recovery' });
    const adminToken = await server.token({ sub: admin.sub, tenant: 'recovery', scope: 'verification:admin' });
    expectProblem(await api.initiate(adminToken), 401, STEP_UP_REQUIRED);
  });
});

describe('without STEP_UP_ACR, with STEP_UP_MAX_AGE_S=60', () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await startTestServer({ env: { STEP_UP_MAX_AGE_S: '60' } });
  });
  afterAll(() => plain?.close());

  it('the challenge names only max_age, the configured one', async () => {
    const victim = await enrolledUser(plain, { prefix: 'no-acr' });
    const res = await enrollmentClient(plain).initiate(victim.token);
    expectProblem(res, 401, STEP_UP_REQUIRED);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A fresh second factor is required", max_age=60',
    );
  });

  it('a second factor proved 90 seconds ago is too old', async () => {
    const user = await enrolledUser(plain, { prefix: 'short-age' });
    const token = await steppedUpToken(plain, { sub: user.sub, authTime: serverSeconds(plain, -90) });
    expectProblem(await enrollmentClient(plain).initiate(token), 401, STEP_UP_REQUIRED);
  });

  it('an acr claim proves nothing', async () => {
    const user = await enrolledUser(plain, { prefix: 'acr-unset' });
    const token = await plain.token({ sub: user.sub, acr: STEP_UP_ACR, authTime: serverSeconds(plain) });
    expectProblem(await enrollmentClient(plain).initiate(token), 401, STEP_UP_REQUIRED);
  });
});

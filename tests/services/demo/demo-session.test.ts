import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDemoSession } from '../../../shared/demo/demo-session.ts';
import { VerificationError } from '../../../shared/errors/verification-error.ts';
import { enrollmentClient } from '../../helpers/enrollment.ts';
import { request, type JsonResponse } from '../../helpers/http.ts';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { enrolledUser } from '../../helpers/sign-in.ts';
import { startTestServer, testConfig, type TestServer } from '../../helpers/test-server.ts';

// POST /demo/session: the demo pages' sign-in. It mints what `npm run token` mints, for any user
// name, while DEMO is on, and never anything more than a first factor.

interface DemoSession {
  token: string;
  sub: string;
  tenant: string;
  expires_at: string;
}

let server: TestServer;
let withIssuer: TestServer;
let jwks: JwksServer;
let withJwks: TestServer;
beforeAll(async () => {
  jwks = await startJwksServer();
  [server, withIssuer, withJwks] = await Promise.all([
    startTestServer(),
    startTestServer({ env: { JWT_ISSUER: 'https://id.example.test', JWT_AUDIENCE: 'verification-service', JWT_MAX_AGE_S: '900' } }),
    startTestServer({ env: { JWT_JWKS_URL: jwks.url } }),
  ]);
});
afterAll(() => Promise.all([server?.close(), withIssuer?.close(), withJwks?.close(), jwks?.close()]));

const signInAs = (target: TestServer, body: unknown) => request<DemoSession>(`${target.url}/demo/session`, { body }) as Promise<JsonResponse<DemoSession>>;

describe('POST /demo/session', () => {
  it('mints a token the service accepts, for the user and tenant asked, not to be cached', async () => {
    const res = await signInAs(server, { sub: 'alice', tenant: 'acme' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ sub: 'alice', tenant: 'acme' });
    const devices = await enrollmentClient(server).devices(res.body.token);
    expect(devices.status).toBe(200);
    expect(decodeJwt(res.body.token)).toMatchObject({ sub: 'alice', tid: 'acme' });
  });

  it('signs for the configured issuer and audience, within JWT_MAX_AGE_S, as npm run token does', async () => {
    const res = await signInAs(withIssuer, { sub: 'alice' });
    const claims = decodeJwt(res.body.token);
    expect(decodeProtectedHeader(res.body.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims).toMatchObject({ iss: 'https://id.example.test', aud: 'verification-service', sub: 'alice' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(res.body.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());
    expect(res.body.tenant).toBe('default');
    expect((await enrollmentClient(withIssuer).devices(res.body.token)).status).toBe(200);
  });

  it('proves a first factor only: no scope, no amr, so admin calls are refused', async () => {
    const { body } = await signInAs(server, { sub: 'mallory' });
    const claims = decodeJwt(body.token);
    expect(claims).not.toHaveProperty('scope');
    expect(claims).not.toHaveProperty('amr');
    expect(claims).not.toHaveProperty('auth_time');
    const admin = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: body.token, body: { active: false } });
    expectProblem(admin, 403, 'VER_0012');
  });

  it('leaves step-up in force: a demo token of a user with a factor cannot add another', async () => {
    const user = await enrolledUser(server, { prefix: 'demo-stepup' });
    const { body } = await signInAs(server, { sub: user.sub });
    expectProblem(await enrollmentClient(server).initiate(body.token), 401, 'VER_0014');
    expectProblem(await enrollmentClient(server).removeDevice(body.token, user.phId), 401, 'VER_0014');
  });

  it("is scoped to its tenant: the same user name in another tenant sees none of this one's devices", async () => {
    const user = await enrolledUser(server, { prefix: 'demo-tenant', tenant: 'tenant-a' });
    const other = await signInAs(server, { sub: user.sub, tenant: 'tenant-b' });
    expect((await enrollmentClient(server).devices(other.body.token)).body).toEqual([]);
    const own = await signInAs(server, { sub: user.sub, tenant: 'tenant-a' });
    expect((await enrollmentClient(server).devices(own.body.token)).body).toMatchObject([{ ph_id: user.phId }]);
  });

  it.each([
    ['no user', {}],
    ['an empty user', { sub: '' }],
    ['a user with control characters', { sub: 'alice\u0000' }],
    ['a user with spaces', { sub: 'alice bob' }],
    ['a too long user', { sub: 'a'.repeat(65) }],
    ['a malformed tenant', { sub: 'alice', tenant: 'a/b' }],
    ['a scope', { sub: 'alice', scope: 'verification:admin' }],
    ['an amr', { sub: 'alice', amr: ['otp'] }],
    ['not an object', ['alice']],
  ])('refuses %s with a 400 naming the field', async (_, body) => {
    expectProblem(await signInAs(server, body), 400, 'VER_0001');
  });

  it('refuses a body over the limit (413) before looking at it', async () => {
    expectProblem(await signInAs(server, { sub: 'alice', padding: 'x'.repeat(70_000) }), 413, 'VER_0003');
  });

  it('with JWT_JWKS_URL, says tokens must come from the identity provider (409 VER_0008)', async () => {
    expectProblem(await signInAs(withJwks, { sub: 'alice' }), 409, 'VER_0008');
  });

  it('mints nothing for a production configuration, even one assembled by hand with the demo on', async () => {
    const config = { ...testConfig(undefined), production: true, demo: true };
    await expect(mintDemoSession(config, { sub: 'alice' })).rejects.toThrow(VerificationError);
    await expect(mintDemoSession({ ...config, production: false, demo: false }, { sub: 'alice' })).rejects.toMatchObject({ code: 'VER_0005' });
  });
});

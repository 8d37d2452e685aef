import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../../helpers/test-server.ts';
import { epochSeconds, signRaw } from '../../helpers/tokens.ts';

// Issue 9, item 5: a bearer token must say when it was issued, not live longer than
// JWT_MAX_AGE_S, not come from the future, and be an access token rather than another JWT.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { JWT_MAX_AGE_S: '3600', JWT_CLOCK_SKEW_S: '60' } });
});
afterAll(() => server.close());

const list = (token: string) => request(`${server.url}/verification-srv/config/list`, { token });

/** An HS256 token with the test secret and exactly this `typ` header (none when undefined). */
function withType(typ: string | undefined, payload: JWTPayload = { sub: 'alice', iat: epochSeconds(), exp: epochSeconds(300) }): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...(typ === undefined ? {} : { typ }) }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe('iat and the lifetime of a bearer token', () => {
  it('accepts a token living exactly JWT_MAX_AGE_S', async () => {
    const iat = epochSeconds();
    expect((await list(await signRaw({ sub: 'alice', iat, exp: iat + 3600 }))).status).toBe(200);
  });

  it('refuses a token whose exp is more than JWT_MAX_AGE_S after its iat', async () => {
    const iat = epochSeconds();
    const res = await list(await signRaw({ sub: 'alice', iat, exp: iat + 3601 }));
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('3600 s');
  });

  it('refuses a token without iat, whose lifetime cannot be bounded', async () => {
    const res = await list(await signRaw({ sub: 'alice', exp: epochSeconds(300) }));
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('iat');
  });

  it('refuses a token issued in the future beyond the clock skew', async () => {
    const res = await list(await signRaw({ sub: 'alice', iat: epochSeconds(120), exp: epochSeconds(600) }));
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('future');
  });

  it('accepts a token issued a little in the future, within the clock skew', async () => {
    expect((await list(await signRaw({ sub: 'alice', iat: epochSeconds(30), exp: epochSeconds(600) }))).status).toBe(200);
  });

  it('accepts a token expired by less than the clock skew', async () => {
    expect((await list(await signRaw({ sub: 'alice', iat: epochSeconds(-600), exp: epochSeconds(-30) }))).status).toBe(200);
  });

  it('refuses an iat that is not a number', async () => {
    expectProblem(await list(await signRaw({ sub: 'alice', iat: 'yesterday' as unknown as number, exp: epochSeconds(300) })), 401, 'VER_0011');
  });
});

describe('the typ header of a bearer token', () => {
  it.each(['JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'application/jwt'])('accepts typ %s', async (typ) => {
    expect((await list(await withType(typ))).status).toBe(200);
  });

  it('accepts a token without typ', async () => {
    expect((await list(await withType(undefined))).status).toBe(200);
  });

  it.each(['verification-assertion+jwt', 'application/verification-assertion+jwt', 'logout+jwt', 'JOSE', 'dpop+jwt'])(
    'refuses typ %s with 401 VER_0011',
    async (typ) => {
      const res = await list(await withType(typ));
      expectProblem(res, 401, 'VER_0011');
      expect(detailOf(res)).toContain('typ');
    },
  );
});

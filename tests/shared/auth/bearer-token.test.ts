import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { epochSeconds, signRaw, unsignedToken } from '../../helpers/tokens.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const list = (authorization?: string) =>
  request(`${server.url}/verification-srv/config/list`, { headers: authorization === undefined ? {} : { authorization } });

describe('bearer tokens (HS256)', () => {
  it('accepts a valid token', async () => {
    const token = await server.token({ sub: 'alice' });
    expect((await list(`Bearer ${token}`)).status).toBe(200);
  });

  it('accepts the scheme name in any case', async () => {
    const token = await server.token({ sub: 'alice' });
    expect((await list(`bearer ${token}`)).status).toBe(200);
  });

  it('answers a request without Authorization with 401 VER_0010 and a Bearer challenge', async () => {
    const res = await list();
    expectProblem(res, 401, 'VER_0010');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers a scheme other than Bearer with 401 VER_0011', async () => {
    const res = await list(`Basic ${Buffer.from('alice:secret').toString('base64')}`);
    expectProblem(res, 401, 'VER_0011');
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('answers "Bearer" with no token with 401', async () => {
    expectProblem(await list('Bearer '), 401, 'VER_0011');
  });

  it('answers a token that is not a JWT with 401 VER_0011', async () => {
    expectProblem(await list('Bearer not-a-jwt'), 401, 'VER_0011');
  });

  it('answers a token with characters no JWT contains with 401 VER_0011', async () => {
    expectProblem(await list('Bearer {"sub":"alice"}'), 401, 'VER_0011');
  });

  it('answers an expired token with 401 VER_0011 saying it expired', async () => {
    const token = await signRaw({ sub: 'alice', iat: epochSeconds(-7200), exp: epochSeconds(-3600) });
    const res = await list(`Bearer ${token}`);
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('expired');
  });

  it('answers a token signed with another secret with 401 VER_0011', async () => {
    const token = await signRaw({ sub: 'alice', iat: epochSeconds(), exp: epochSeconds(3600) }, 'another-secret-that-is-long-enough-0123456789');
    const res = await list(`Bearer ${token}`);
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('signature');
  });

  it('answers a token whose payload was altered after signing with 401 VER_0011', async () => {
    const [header, , signature] = (await server.token({ sub: 'alice' })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'alice', scope: 'verification:admin', exp: epochSeconds(3600) })).toString('base64url');
    expectProblem(await list(`Bearer ${header}.${forged}.${signature}`), 401, 'VER_0011');
  });

  it('answers an unsigned token (alg: none) with 401 VER_0011', async () => {
    const token = unsignedToken({ sub: 'alice', scope: 'verification:admin', exp: epochSeconds(3600) });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers an unsigned token (alg: none) without the trailing dot with 401 VER_0011', async () => {
    const token = unsignedToken({ sub: 'alice', exp: epochSeconds(3600) }).slice(0, -1);
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers a token without sub with 401 VER_0011', async () => {
    const token = await signRaw({ tid: 'acme', iat: epochSeconds(), exp: epochSeconds(3600) });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers a token with an empty sub with 401 VER_0011', async () => {
    const token = await signRaw({ sub: '', iat: epochSeconds(), exp: epochSeconds(3600) });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers a token without exp with 401 VER_0011', async () => {
    const token = await signRaw({ sub: 'alice', iat: epochSeconds() });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers a token whose tenant claim is not a valid tenant id with 401 VER_0011', async () => {
    const token = await signRaw({ sub: 'alice', tid: '../other tenant', iat: epochSeconds(), exp: epochSeconds(3600) });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('answers a token whose scope claim is not a string with 401 VER_0011', async () => {
    const token = await signRaw({ sub: 'alice', scope: ['verification:admin'], iat: epochSeconds(), exp: epochSeconds(3600) });
    expectProblem(await list(`Bearer ${token}`), 401, 'VER_0011');
  });

  it('never logs the token it refused', async () => {
    const token = await signRaw({ sub: 'alice', exp: epochSeconds(3600) }, 'another-secret-that-is-long-enough-0123456789');
    await list(`Bearer ${token}`);
    expect(server.logs.join('\n')).not.toContain(token.split('.')[2]);
  });
});

import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { epochSeconds, signRaw } from '../../helpers/tokens.ts';
import { methodList } from '../../helpers/method-list.ts';

let jwks: JwksServer;
let server: TestServer;
beforeAll(async () => {
  jwks = await startJwksServer();
  server = await startTestServer({ env: { JWT_JWKS_URL: jwks.url } });
});
afterAll(async () => {
  await server?.close();
  await jwks?.close();
});

const list = (token: string) => request(`${server.url}/verification-srv/config/list`, { token });

describe('tokens verified with the keys at JWT_JWKS_URL', () => {
  it('accepts a token signed with a published key', async () => {
    const res = await list(await jwks.sign({ sub: 'alice', tid: 'acme' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(methodList());
  });

  it('honours the scopes of a token signed with a published key', async () => {
    const token = await jwks.sign({ sub: 'root', tid: 'acme', scope: 'verification:admin' });
    const res = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token, body: { active: true } });
    expect(res.status).toBe(200);
  });

  it('refuses a token signed with a key that is not published with 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: jwks.publicJwk.kid! })
      .setExpirationTime('5m')
      .sign(privateKey);
    expectProblem(await list(token), 401, 'VER_0011');
  });

  it('refuses an HS256 token, even one keyed with the published public key (algorithm confusion)', async () => {
    const token = await signRaw({ sub: 'alice', exp: epochSeconds(300) }, JSON.stringify(jwks.publicJwk));
    expectProblem(await list(token), 401, 'VER_0011');
  });

  it('refuses an expired token signed with a published key with 401', async () => {
    const token = await jwks.sign({ sub: 'alice', exp: epochSeconds(-60) });
    expectProblem(await list(token), 401, 'VER_0011');
  });
});

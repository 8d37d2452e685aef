import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { epochSeconds, signRaw } from '../../helpers/tokens.ts';
import { methodList } from '../../helpers/method-list.ts';

// A token sent again is not verified again (VerifiedTokens); these hold the reuse to the rules.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { JWT_CLOCK_SKEW_S: '0' } });
});
afterAll(() => server.close());

const list = (token: string) => request(`${server.url}/verification-srv/config/list`, { token });

describe('a bearer token used again', () => {
  it('is refused once it has expired, though it was accepted before', async () => {
    const iat = epochSeconds();
    const token = await signRaw({ sub: 'alice', iat, exp: iat + 6 });
    expect((await list(token)).status).toBe(200);
    expect((await list(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, (iat + 6) * 1000 - Date.now() + 50));
    expectProblem(await list(token), 401, 'VER_0011');
  });

  it('is refused with another signature, though the same claims were accepted', async () => {
    const iat = epochSeconds();
    const token = await signRaw({ sub: 'alice', iat, exp: iat + 300 });
    expect((await list(token)).status).toBe(200);
    const [header, payload] = token.split('.');
    expectProblem(await list(`${header}.${payload}.${'A'.repeat(43)}`), 401, 'VER_0011');
  });

  it('keeps each token to its own tenant', async () => {
    const a = await server.token({ sub: 'same-user', tenant: 'tenant-a' });
    const b = await server.token({ sub: 'same-user', tenant: 'tenant-b' });
    const admin = await server.token({ sub: 'root', tenant: 'tenant-b', scope: 'verification:admin' });
    expect((await list(a)).status).toBe(200);
    await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active: false } });
    expect((await list(b)).body).toEqual(methodList({ TOTP: false }));
    expect((await list(a)).body).toEqual(methodList({ TOTP: true }));
  });
});

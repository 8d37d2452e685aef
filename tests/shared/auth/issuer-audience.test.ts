import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../../shared/auth/issue-token.ts';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../../helpers/test-server.ts';

const ISSUER = 'https://id.example.test';
const AUDIENCE = 'verification-api';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
});
afterAll(() => server.close());

const sign = (claims: { issuer?: string; audience?: string }) =>
  issueToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'alice', ...claims });
const list = (token: string) => request(`${server.url}/verification-srv/config/list`, { token });

describe('JWT_ISSUER and JWT_AUDIENCE', () => {
  it('accept a token from the configured issuer for the configured audience', async () => {
    expect((await list(await sign({ issuer: ISSUER, audience: AUDIENCE }))).status).toBe(200);
  });

  it('refuse a token for another audience with 401 naming the aud claim', async () => {
    const res = await list(await sign({ issuer: ISSUER, audience: 'some-other-api' }));
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('aud');
  });

  it('refuse a token without an audience with 401', async () => {
    expectProblem(await list(await sign({ issuer: ISSUER })), 401, 'VER_0011');
  });

  it('refuse a token from another issuer with 401 naming the iss claim', async () => {
    const res = await list(await sign({ issuer: 'https://evil.example.test', audience: AUDIENCE }));
    expectProblem(res, 401, 'VER_0011');
    expect(detailOf(res)).toContain('iss');
  });

  it('refuse a token without an issuer with 401', async () => {
    expectProblem(await list(await sign({ audience: AUDIENCE })), 401, 'VER_0011');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('routes that do not exist', () => {
  it('answers an unknown path with 404 problem+json VER_0005', async () => {
    expectProblem(await request(`${server.url}/verification-srv/nothing-here`), 404, 'VER_0005');
  });

  it('answers an unknown path with a body with 404, not a body error', async () => {
    expectProblem(await request(`${server.url}/nothing-here`, { method: 'POST', body: { a: 1 } }), 404, 'VER_0005');
  });

  it('answers a method no route knows with 405 VER_0006', async () => {
    const res = await request(`${server.url}/healthz`, { method: 'DELETE' });
    expectProblem(res, 405, 'VER_0006');
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('answers OPTIONS with the allowed methods', async () => {
    const res = await request(`${server.url}/healthz`, { method: 'OPTIONS' });
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toContain('GET');
  });
});

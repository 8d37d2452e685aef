import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrollmentClient, type EnrollmentClient } from '../../helpers/enrollment.ts';
import type { JsonResponse } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const LIMIT = 3;

// Two instances on one database (the limit must hold across them), and one with the limit off.
let database: ScratchDatabase;
let one: TestServer;
let two: TestServer;
let unlimited: TestServer;
let api: EnrollmentClient;
let apiTwo: EnrollmentClient;
beforeAll(async () => {
  database = await createScratchDatabase();
  const env = { INITIATION_RATE_LIMIT: String(LIMIT) };
  one = await startTestServer({ databaseUrl: database.url, env });
  two = await startTestServer({ databaseUrl: database.url, env });
  unlimited = await startTestServer({ env: { INITIATION_RATE_LIMIT: '0' } });
  api = enrollmentClient(one);
  apiTwo = enrollmentClient(two);
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await unlimited?.close();
  await database?.drop();
});

const userToken = (server: TestServer, tenant = 'default') => server.token({ sub: `user-${randomUUID()}`, tenant });
const statuses = (responses: JsonResponse[]) => responses.map((r) => r.status);

function expectRateLimited(res: JsonResponse): void {
  expectProblem(res, 429, 'VER_0050');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.body).toMatchObject({ retry_after: retryAfter, detail: expect.stringContaining(`at most ${LIMIT} initiations per minute`) });
}

describe('INITIATION_RATE_LIMIT (3 per user and tenant per minute)', () => {
  // Each test starts a second into a fresh minute on both instances, so no window ends mid-test.
  beforeEach(() => {
    const windowStart = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 1_000);
    one.clock.set(windowStart);
    two.clock.set(windowStart);
  });

  it('refuses the initiation after the limit with 429 VER_0050 and Retry-After', async () => {
    const token = await userToken(one);
    for (let i = 0; i < LIMIT; i++) expect((await api.initiate(token)).status).toBe(201);
    expectRateLimited(await api.initiate(token));
  });

  it('lets exactly the limit through when a flood arrives at once', async () => {
    const token = await userToken(one);
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.initiate(token)));
    expect(statuses(responses).filter((s) => s === 201)).toHaveLength(LIMIT);
    expect(statuses(responses).filter((s) => s === 429)).toHaveLength(20 - LIMIT);
  });

  it('holds across instances: initiations through either count against one allowance', async () => {
    const token = await userToken(one);
    expect((await api.initiate(token)).status).toBe(201);
    expect((await apiTwo.initiate(token)).status).toBe(201);
    expect((await api.initiate(token)).status).toBe(201);
    expectRateLimited(await apiTwo.initiate(token));
    expectRateLimited(await api.initiate(token));
  });

  it('counts each user on their own: a flooder does not lock out anybody else', async () => {
    const flooder = await userToken(one);
    await Promise.all(Array.from({ length: LIMIT + 2 }, () => api.initiate(flooder)));
    expect((await api.initiate(await userToken(one))).status).toBe(201);
  });

  it("counts per tenant: the same sub in another tenant is another user", async () => {
    const sub = `user-${randomUUID()}`;
    const [inAcme, inGlobex] = [await one.token({ sub, tenant: 'acme' }), await one.token({ sub, tenant: 'globex' })];
    for (let i = 0; i < LIMIT; i++) await api.initiate(inAcme);
    expectRateLimited(await api.initiate(inAcme));
    expect((await api.initiate(inGlobex)).status).toBe(201);
  });

  it('counts rotations, which make a new secret and QR code too', async () => {
    const token = await userToken(one);
    const { body: offer } = await api.initiate(token);
    const rotated = await api.rotate(token, offer.exchange_id.exchange_id);
    expect(rotated.status).toBe(200);
    expect((await api.rotate(token, rotated.body.exchange_id.exchange_id)).status).toBe(200);
    expectRateLimited(await api.initiate(token));
  });

  it('allows the user again in the next minute', async () => {
    const token = await userToken(one);
    for (let i = 0; i < LIMIT; i++) await api.initiate(token);
    expectRateLimited(await api.initiate(token));
    one.clock.advance(60_000);
    try {
      expect((await api.initiate(token)).status).toBe(201);
    } finally {
      one.clock.advance(-60_000);
    }
  });
});

it('INITIATION_RATE_LIMIT=0 switches the limit off (for load tests)', async () => {
  const token = await userToken(unlimited);
  const unlimitedApi = enrollmentClient(unlimited);
  const responses = await Promise.all(Array.from({ length: 15 }, () => unlimitedApi.initiate(token)));
  expect(statuses(responses).every((s) => s === 201)).toBe(true);
});

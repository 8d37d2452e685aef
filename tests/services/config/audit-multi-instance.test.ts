import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditClient } from '../../helpers/audit.ts';
import { enrollmentClient, wrongCode } from '../../helpers/enrollment.ts';
import { eventually, startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { enrolledUser, uniqueSub, type EnrolledUser } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { FAST_WEBHOOKS, verifies, webhookClient, webhookIdOf } from '../../helpers/webhooks.ts';

// Two instances of the whole service on one database, as behind a load balancer.
let database: ScratchDatabase;
let one: TestServer;
let two: TestServer;
let rx: HttpReceiver;
beforeAll(async () => {
  database = await createScratchDatabase();
  one = await startTestServer({ databaseUrl: database.url, env: FAST_WEBHOOKS });
  two = await startTestServer({ databaseUrl: database.url, env: FAST_WEBHOOKS });
  // Every fifth first attempt fails: retries are part of the load.
  const firstSeen = new Set<string>();
  rx = await startHttpReceiver((req) => {
    const id = String(req.headers['webhook-id']);
    const first = !firstSeen.has(id);
    firstSeen.add(id);
    return { status: first && firstSeen.size % 5 === 0 ? 500 : 204 };
  });
});
afterAll(async () => {
  await rx?.close();
  await one?.close();
  await two?.close();
  await database?.drop();
});

const USERS = 16;
const WRONG_CODES = 3;

describe('two instances under load', () => {
  it('append to one unbroken chain per tenant, and deliver every event to an endpoint exactly once (retries aside)', async () => {
    const tenant = uniqueSub('multi');
    const admin = await one.token({ sub: 'multi-admin', tenant, scope: 'verification:admin' });
    const endpoint = await webhookClient(two).create(admin, { url: rx.url, events: ['*'] });
    expect(endpoint.status).toBe(201);

    const users: EnrolledUser[] = [];
    for (let i = 0; i < USERS; i++) users.push(await enrolledUser(i % 2 === 0 ? one : two, { prefix: `multi-${i}`, tenant }));
    // Every user's wrong codes at once, spread over both instances.
    const attempts = users.flatMap((user, u) =>
      Array.from({ length: WRONG_CODES }, (_, k) => {
        const via = (u + k) % 2 === 0 ? one : two;
        return enrollmentClient(via).signIn(user.token, wrongCode(via, user.secret));
      }),
    );
    for (const res of await Promise.all(attempts)) expectProblem(res, 400, 'VER_0041');

    // Each enrollment leaves enrollment.initiated, enrollment.enrolled and factor.added; each wrong code one event.
    const events = USERS * 3 + USERS * WRONG_CODES;
    expect((await auditClient(two).verify(admin)).body).toEqual({ ok: true, checked: events });
    const rows = (await auditClient(one).list(admin, 'limit=200&order=asc')).body.items;
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: events }, (_, i) => i + 1));

    await rx.waitForRequests(events, 60_000);
    const delivered = await eventually(async () => {
      const ids = new Map<string, number>();
      for (const req of rx.requests) {
        expect(verifies(endpoint.body.secret, req)).toBe(true);
        ids.set(webhookIdOf(req), (ids.get(webhookIdOf(req)) ?? 0) + 1);
      }
      return ids.size === events ? ids : undefined;
    }, 'every event to reach the receiver', 60_000);
    // Each event once, or twice when its first attempt was answered 500.
    expect([...delivered.values()].every((n) => n === 1 || n === 2)).toBe(true);
    expect(rx.requests.length - delivered.size).toBe([...delivered.values()].filter((n) => n === 2).length);
  });
});

describe('a crash between commit and send', () => {
  it('loses nothing: another instance delivers what the crashed one committed', async () => {
    const tenant = uniqueSub('crash');
    const crashing = await startTestServer({ databaseUrl: database.url, env: FAST_WEBHOOKS });
    const admin = await crashing.token({ sub: 'crash-admin', tenant, scope: 'verification:admin' });
    const endpoint = await webhookClient(crashing).create(admin, { url: `${rx.url}/crash`, events: ['factor.added', 'authentication.failed'] });
    // These instances are busy elsewhere; the crashing one commits and dies before sending.
    await one.deps.outbox.stop();
    await two.deps.outbox.stop();
    await crashing.deps.outbox.stop();
    const user = await enrolledUser(crashing, { prefix: 'crash', tenant });
    expectProblem(await enrollmentClient(crashing).signIn(user.token, wrongCode(crashing, user.secret)), 400, 'VER_0041');
    await crashing.close();
    expect(rx.requests.filter((r) => r.path === '/crash')).toHaveLength(0);

    await one.deps.outbox.start();
    await two.deps.outbox.start();
    const received = await eventually(async () => {
      const got = rx.requests.filter((r) => r.path === '/crash' && verifies(endpoint.body.secret, r));
      return new Set(got.map(webhookIdOf)).size === 2 ? got : undefined;
    }, 'the committed events to be delivered', 30_000);
    expect(received.map((r) => (JSON.parse(r.rawBody) as { type: string }).type)).toContain('authentication.failed');
    expect((await auditClient(one).verify(await one.token({ sub: 'crash-admin', tenant, scope: 'verification:admin' }))).body).toEqual({ ok: true, checked: 4 });
  });
});

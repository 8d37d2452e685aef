import { afterEach, describe, expect, it } from 'vitest';
import { wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { eventually, startHttpReceiver, type Answer, type HttpReceiver, type ReceivedRequest } from '../../helpers/http-receiver.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { expectNeverLogged } from '../../helpers/security-events.ts';
import { enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { FAST_WEBHOOKS, recordSignIn, verifiedBody, verifies, webhookClient, webhookIdOf } from '../../helpers/webhooks.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer(
  (s, a) => {
    server = s;
    api = a;
  },
  { env: FAST_WEBHOOKS },
);

const hooks = () => webhookClient(server);
const adminOf = (tenant: string) => server.token({ sub: `admin-${tenant}`, tenant, scope: 'verification:admin' });

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(respond?: (req: ReceivedRequest, index: number) => Answer): Promise<HttpReceiver> {
  const r = await startHttpReceiver(respond);
  receivers.push(r);
  return r;
}

/** A fresh tenant, its admin token, and an endpoint of it at `url` for `events`. */
async function endpointFor(url: string, events: string[] = ['*']) {
  const tenant = uniqueSub('hooks');
  const admin = await adminOf(tenant);
  const created = await hooks().create(admin, { url, events });
  expect(created.status).toBe(201);
  return { tenant, admin, endpoint: created.body, secret: created.body.secret };
}

describe('delivering events', () => {
  it('POSTs {type, timestamp, data} signed with the endpoint secret, verified by the standardwebhooks package', async () => {
    const rx = await receiver();
    const { tenant, admin, endpoint, secret } = await endpointFor(`${rx.url}/hook`, ['factor.added']);
    const user = await enrolledUser(server, { prefix: 'hooks-user', tenant });
    const [req] = await rx.waitForRequests(1);
    expect(req!.path).toBe('/hook');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(verifiedBody(secret, req!)).toEqual({
      type: 'factor.added',
      timestamp: expect.any(String),
      data: { tenant, sub: user.sub, type: 'TOTP', ph_id: user.phId, status_id: user.offer.status_id, via: 'profile' },
    });
    const listed = await eventually(async () => {
      const { body } = await hooks().deliveries(admin, endpoint.id);
      return body.items[0]?.status === 'delivered' ? body.items : undefined;
    }, 'the delivery to be recorded');
    expect(listed).toEqual([expect.objectContaining({ id: webhookIdOf(req!), event: 'factor.added', attempts: 1, last_http_status: 204, payload: JSON.parse(req!.rawBody) })]);
    for (const value of [user.token, user.secret, user.offer.exchange_id.exchange_id]) expect(req!.rawBody).not.toContain(value);
  });

  it('retries a delivery the receiver answered 500 with the same webhook-id, until a 2xx', async () => {
    const rx = await receiver((_req, i) => ({ status: i === 0 ? 500 : 200 }));
    const { tenant, admin, endpoint, secret } = await endpointFor(rx.url);
    await recordSignIn(server, tenant);
    const [first, retry] = await rx.waitForRequests(2);
    expect(webhookIdOf(retry!)).toBe(webhookIdOf(first!));
    expect(verifies(secret, first!) && verifies(secret, retry!)).toBe(true);
    const delivery = await eventually(async () => {
      const item = (await hooks().deliveries(admin, endpoint.id)).body.items[0];
      return item?.status === 'delivered' ? item : undefined;
    }, 'the retry to be recorded');
    expect(delivery).toMatchObject({ id: webhookIdOf(first!), attempts: 2, last_http_status: 200 });
  });

  it('sends each endpoint its events in the order they happened, a retried one holding back the next', async () => {
    const rx = await receiver((_req, i) => ({ status: i === 0 ? 503 : 204 }));
    const tenant = uniqueSub('hooks-order');
    const admin = await adminOf(tenant);
    const created = await hooks().create(admin, { url: rx.url, events: ['factor.added', 'authentication.failed'] });
    const user = await enrolledUser(server, { prefix: 'hooks-order', tenant });
    for (let i = 0; i < 3; i++) expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    const received = await rx.waitForRequests(5);
    const bodies = received.map((req) => verifiedBody(created.body.secret, req));
    expect(bodies.map((b) => [b.type, b.data.failures])).toEqual([
      ['factor.added', undefined],
      ['factor.added', undefined],
      ['authentication.failed', 1],
      ['authentication.failed', 2],
      ['authentication.failed', 3],
    ]);
    expect(webhookIdOf(received[1]!)).toBe(webhookIdOf(received[0]!));
  });

  it('sends an endpoint only the types it subscribed to', async () => {
    const rx = await receiver();
    const { tenant } = await endpointFor(rx.url, ['authentication.failed']);
    const user = await enrolledUser(server, { prefix: 'hooks-types', tenant });
    await recordSignIn(server, tenant);
    expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    const [req] = await rx.waitForRequests(1);
    expect(JSON.parse(req!.rawBody)).toMatchObject({ type: 'authentication.failed', data: { reason: 'wrong_code', failures: 1 } });
    await server.deps.outbox.drain();
    expect(rx.requests).toHaveLength(1);
  });
});

describe('410 Gone', () => {
  it('disables the endpoint: its waiting deliveries are given up and nothing more is sent', async () => {
    const rx = await receiver(() => ({ status: 410 }));
    const { tenant, admin, endpoint } = await endpointFor(rx.url);
    await recordSignIn(server, tenant);
    await rx.waitForRequests(1);
    const disabled = await eventually(async () => {
      const { body } = await hooks().get(admin, endpoint.id);
      return body.status === 'disabled' ? body : undefined;
    }, 'the endpoint to be disabled');
    expect(disabled).toMatchObject({ disabled_reason: expect.stringContaining('410'), disabled_at: expect.any(String) });
    await recordSignIn(server, tenant);
    await server.deps.outbox.drain();
    expect(rx.requests).toHaveLength(1);
    const { body } = await hooks().deliveries(admin, endpoint.id);
    expect(body.items.map((d) => [d.status, d.last_http_status])).toEqual([['failed', 410]]);
  });

  it('gives up the deliveries already queued behind the one that got 410', async () => {
    const rx = await receiver(() => ({ status: 410 }));
    const { tenant, admin, endpoint } = await endpointFor(rx.url);
    // Both queued before the first is sent: the second waits behind it.
    await server.deps.outbox.stop();
    try {
      await recordSignIn(server, tenant, 'first');
      await recordSignIn(server, tenant, 'second');
    } finally {
      await server.deps.outbox.start();
    }
    await eventually(async () => ((await hooks().get(admin, endpoint.id)).body.status === 'disabled' ? true : undefined), 'the endpoint to be disabled');
    const { body } = await hooks().deliveries(admin, endpoint.id);
    expect(body.items.map((d) => [d.payload?.data.sub, d.status, d.attempts, d.last_error])).toEqual([
      ['second', 'failed', 0, 'the endpoint was disabled (410 Gone)'],
      ['first', 'failed', 1, expect.stringContaining('HTTP 410')],
    ]);
    expect(rx.requests).toHaveLength(1);
    expectProblem(await hooks().retry(admin, endpoint.id, body.items[0]!.id), 409, 'VER_0094');
  });
});

describe('secret rotation', () => {
  it('signs with the old and the new secret for 24 hours, then with the new one only', async () => {
    const rx = await receiver();
    const { tenant, admin, endpoint, secret: old } = await endpointFor(rx.url);
    const rotated = await hooks().rotate(admin, endpoint.id);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).not.toBe(old);
    expect((await hooks().get(admin, endpoint.id)).body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    await recordSignIn(server, tenant);
    const [during] = await rx.waitForRequests(1);
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([verifies(fresh, during!), verifies(old, during!)]).toEqual([true, true]);

    server.clock.advance(24 * 3_600_000 + 60_000);
    try {
      await recordSignIn(server, tenant);
      const [, after] = await rx.waitForRequests(2);
      expect(String(after!.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect([verifies(fresh, after!), verifies(old, after!)]).toEqual([true, false]);
    } finally {
      server.clock.advance(-(24 * 3_600_000 + 60_000));
    }
  });

  it('never logs a secret', async () => {
    const rx = await receiver();
    const { tenant, admin, endpoint, secret } = await endpointFor(rx.url);
    const rotated = await hooks().rotate(admin, endpoint.id);
    await recordSignIn(server, tenant);
    await rx.waitForRequests(1);
    expectNeverLogged(server, [secret, rotated.body.secret, secret.slice('whsec_'.length), rotated.body.secret.slice('whsec_'.length)]);
    expect(JSON.stringify((await hooks().list(admin)).body)).not.toContain('whsec_');
  });
});

describe('deliveries', () => {
  it('are listed newest first, and a given-up one can be sent again by hand with the same webhook-id', async () => {
    let answer = 503;
    const rx = await receiver(() => ({ status: answer, body: 'try later' }));
    const { tenant, admin, endpoint } = await endpointFor(rx.url);
    await recordSignIn(server, tenant, 'first');
    await recordSignIn(server, tenant, 'second');
    const given = await eventually(async () => {
      const { body } = await hooks().deliveries(admin, endpoint.id);
      return body.items.every((d) => d.status === 'failed') && body.items.length === 2 ? body.items : undefined;
    }, 'both deliveries to be given up', 30_000);
    expect(given.map((d) => d.payload?.data.sub)).toEqual(['second', 'first']);
    expect(given[1]).toMatchObject({ attempts: 8, last_http_status: 503, last_error: expect.stringContaining('gave up after 8 attempts: HTTP 503: try later') });

    answer = 200;
    const before = rx.requests.length;
    const retried = await hooks().retry(admin, endpoint.id, given[1]!.id);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: given[1]!.id, status: 'pending' });
    const [resent] = (await rx.waitForRequests(before + 1)).slice(before);
    expect(webhookIdOf(resent!)).toBe(given[1]!.id);
    await eventually(async () => ((await hooks().deliveries(admin, endpoint.id)).body.items[1]?.status === 'delivered' ? true : undefined), 'the resend to be recorded');
  });

  it('page with a cursor', async () => {
    const rx = await receiver();
    const { tenant, admin, endpoint } = await endpointFor(rx.url);
    for (const sub of ['a', 'b', 'c']) await recordSignIn(server, tenant, sub);
    const first = await hooks().deliveries(admin, endpoint.id, 'limit=2');
    expect(first.body.items.map((d) => d.payload?.data.sub)).toEqual(['c', 'b']);
    const rest = await hooks().deliveries(admin, endpoint.id, `limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body.items.map((d) => d.payload?.data.sub)).toEqual(['a']);
    expectProblem(await hooks().deliveries(admin, endpoint.id, 'cursor=nope'), 400, 'VER_0001');
    expectProblem(await hooks().deliveries(admin, endpoint.id, 'limit=101'), 400, 'VER_0001');
  });

  it('of an unknown delivery id are not found', async () => {
    const rx = await receiver();
    const { admin, endpoint } = await endpointFor(rx.url);
    expectProblem(await hooks().retry(admin, endpoint.id, '0e7d1c3a-5b6f-4a8e-9d2c-7f1e3b5a9c80'), 404, 'VER_0093');
    expectProblem(await hooks().retry(admin, endpoint.id, 'not-a-uuid'), 400, 'VER_0007');
  });
});

describe('managing endpoints', () => {
  it('lists, reads and deletes them; a deleted endpoint gets nothing more', async () => {
    const rx = await receiver(() => ({ status: 500 }));
    const { tenant, admin, endpoint } = await endpointFor(rx.url, ['factor.added', 'factor.added', 'lockout.started']);
    expect(endpoint.events).toEqual(['factor.added', 'lockout.started']);
    expect((await hooks().list(admin)).body.map((e) => e.id)).toEqual([endpoint.id]);
    expect((await hooks().get(admin, endpoint.id)).body).toMatchObject({ id: endpoint.id, url: `${rx.url}/`, status: 'enabled' });
    expect((await hooks().remove(admin, endpoint.id)).status).toBe(204);
    expectProblem(await hooks().get(admin, endpoint.id), 404, 'VER_0090');
    expect((await hooks().list(admin)).body).toEqual([]);
    await recordSignIn(server, tenant);
    await server.deps.outbox.drain();
    expect(rx.requests).toHaveLength(0);
  });

  it('gives up the deliveries of a deleted endpoint still waiting for a retry', async () => {
    const rx = await receiver(() => ({ status: 500 }));
    const { tenant, admin, endpoint } = await endpointFor(rx.url);
    await recordSignIn(server, tenant);
    await rx.waitForRequests(1);
    const [delivery] = (await hooks().deliveries(admin, endpoint.id)).body.items;
    expect((await hooks().remove(admin, endpoint.id)).status).toBe(204);
    const row = await eventually(async () => {
      const read = await server.deps.outbox.read(delivery!.id);
      return read?.status === 'failed' ? read : undefined;
    }, 'the delivery to be given up');
    expect(row.lastError).toMatch(/deleted/);
  });

  it('takes ["*"] alone for every type', async () => {
    const rx = await receiver();
    const { endpoint } = await endpointFor(rx.url, ['factor.added', '*']);
    expect(endpoint.events).toEqual(['*']);
  });

  it.each([
    [{ url: 'ftp://hooks.example.com/x', events: ['*'] }, 'VER_0092'],
    [{ url: '/relative', events: ['*'] }, 'VER_0092'],
    [{ url: 'https://user:pass@hooks.example.com/x', events: ['*'] }, 'VER_0092'],
    [{ url: 'https://hooks.example.com/x#frag', events: ['*'] }, 'VER_0092'],
    [{ url: 'http://169.254.169.254/latest/meta-data', events: ['*'] }, 'VER_0092'],
    [{ url: 'http://10.0.0.8/hook', events: ['*'] }, 'VER_0092'],
    [{ url: `https://hooks.example.com/${'x'.repeat(2100)}`, events: ['*'] }, 'VER_0092'],
    [{ url: 'https://hooks.example.com/x', events: [] }, 'VER_0001'],
    [{ url: 'https://hooks.example.com/x', events: ['stepup.refused'] }, 'VER_0001'],
    [{ url: 'https://hooks.example.com/x', events: ['*'], description: '   ' }, 'VER_0001'],
    [{ url: 'https://hooks.example.com/x', events: ['*'], secret: 'whsec_mine' }, 'VER_0001'],
  ])('refuses %j with %s', async (body, code) => {
    expectProblem(await hooks().create(await adminOf('hooks-invalid'), body), 400, code);
  });

  it('caps endpoints at 20 per tenant, however many creations race', async () => {
    const tenant = uniqueSub('hooks-flood');
    const admin = await adminOf(tenant);
    const results = await Promise.all(Array.from({ length: 30 }, () => hooks().create(admin, { url: 'https://hooks.example.com/x', events: ['*'] })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    for (const refused of results.filter((r) => r.status !== 201)) expectProblem(refused, 409, 'VER_0091');
    expect((await hooks().list(admin)).body).toHaveLength(20);
  });
});

describe('who may', () => {
  it("another tenant's admin finds none of the tenant's endpoints, and cannot touch one", async () => {
    const rx = await receiver();
    const { endpoint, admin } = await endpointFor(rx.url);
    const other = await adminOf(uniqueSub('hooks-foreign'));
    expect((await hooks().list(other)).body).toEqual([]);
    expectProblem(await hooks().get(other, endpoint.id), 404, 'VER_0090');
    expectProblem(await hooks().rotate(other, endpoint.id), 404, 'VER_0090');
    expectProblem(await hooks().deliveries(other, endpoint.id), 404, 'VER_0090');
    expectProblem(await hooks().retry(other, endpoint.id, endpoint.id), 404, 'VER_0090');
    expectProblem(await hooks().remove(other, endpoint.id), 404, 'VER_0090');
    expect((await hooks().get(admin, endpoint.id)).status).toBe(200);
  });

  it('a token without verification:admin is refused everywhere (a stolen user token included)', async () => {
    const rx = await receiver();
    const { endpoint, tenant } = await endpointFor(rx.url);
    const user = await server.token({ sub: 'hooks-user', tenant, amr: ['pwd', 'otp'] });
    for (const res of [
      await hooks().create(user, { url: rx.url, events: ['*'] }),
      await hooks().list(user),
      await hooks().get(user, endpoint.id),
      await hooks().rotate(user, endpoint.id),
      await hooks().deliveries(user, endpoint.id),
      await hooks().retry(user, endpoint.id, endpoint.id),
      await hooks().remove(user, endpoint.id),
    ]) {
      expectProblem(res, 403, 'VER_0012');
    }
  });

  it('a caller without a token (a status-id holder) is refused', async () => {
    expectProblem(await request(`${server.url}/verification-srv/webhooks`), 401, 'VER_0010');
    expectProblem(await request(`${server.url}/verification-srv/webhooks`, { method: 'POST', body: { url: 'https://x.example', events: ['*'] } }), 401, 'VER_0010');
  });
});

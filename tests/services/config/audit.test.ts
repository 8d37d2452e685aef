import { describe, expect, it } from 'vitest';
import { codeNow, wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { auditClient } from '../../helpers/audit.ts';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { enrolledUser, uniqueSub, type EnrolledUser } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

const audit = () => auditClient(server);
const adminOf = (tenant: string) => server.token({ sub: `admin-${tenant}`, tenant, scope: 'verification:admin' });

/** A user of a tenant of their own with one authenticator and `wrong` wrong sign-in codes. */
async function userWithWrongCodes(wrong: number, prefix = 'audit'): Promise<EnrolledUser & { tenant: string; codes: string[] }> {
  const tenant = uniqueSub(`${prefix}-tenant`);
  const user = await enrolledUser(server, { prefix, tenant });
  const codes: string[] = [];
  for (let i = 0; i < wrong; i++) {
    const code = wrongCode(server, user.secret);
    codes.push(code);
    expectProblem(await api.signIn(user.token, code), 400, 'VER_0041');
  }
  return { ...user, tenant, codes };
}

describe('GET /verification-srv/audit', () => {
  it("lists the tenant's events newest first, with who, from where, which request, and the chain hashes", async () => {
    const user = await userWithWrongCodes(1);
    const res = await audit().list(await adminOf(user.tenant));
    expect(res.status).toBe(200);
    expect(res.body.items.map((r) => [r.seq, r.event, r.sub, r.actor, r.outcome])).toEqual([
      [4, 'authentication.wrong_code', user.sub, user.sub, 'failure'],
      [3, 'factor.added', user.sub, user.sub, 'success'],
      [2, 'enrollment.enrolled', user.sub, user.sub, 'success'],
      [1, 'enrollment.initiated', user.sub, user.sub, 'success'],
    ]);
    const [wrong, added] = res.body.items;
    expect(wrong).toMatchObject({ tenant: user.tenant, type: 'TOTP', ip: expect.any(String), request_id: expect.any(String), details: { failures: 1 } });
    expect(added).toMatchObject({ ph_id: user.phId, status_id: user.offer.status_id, details: { via: 'profile' } });
    expect(wrong!.prev_hash).toBe(added!.hash);
    expect(res.body.next_cursor).toBeUndefined();
  });

  it('never holds a code, secret, token or exchange id', async () => {
    const user = await userWithWrongCodes(2);
    const res = await audit().list(await adminOf(user.tenant));
    const text = JSON.stringify(res.body);
    for (const secret of [user.token, user.secret, user.offer.exchange_id.exchange_id, user.offer.otpauth_uri, ...user.codes]) {
      // As a whole token, so a 6-digit code is not "found" inside a hash.
      const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(text).not.toMatch(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`));
    }
  });

  it('pages with an opaque cursor, newest first or oldest first, without gaps or repeats', async () => {
    const user = await userWithWrongCodes(4);
    const admin = await adminOf(user.tenant);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit().list(admin, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r) => r.seq));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const first = await audit().list(admin, 'order=asc&limit=4');
    expect(first.body.items.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const rest = await audit().list(admin, `order=asc&limit=4&cursor=${first.body.next_cursor}`);
    expect(rest.body.items.map((r) => r.seq)).toEqual([5, 6, 7]);
  });

  it('filters by user, event and time', async () => {
    const user = await userWithWrongCodes(2);
    const other = await enrolledUser(server, { prefix: 'audit-other', tenant: user.tenant });
    const admin = await adminOf(user.tenant);
    expect((await audit().list(admin, `sub=${encodeURIComponent(other.sub)}`)).body.items.map((r) => r.event)).toEqual(['factor.added', 'enrollment.enrolled', 'enrollment.initiated']);
    expect((await audit().list(admin, 'event=authentication.wrong_code')).body.items.map((r) => r.sub)).toEqual([user.sub, user.sub]);
    const future = new Date(server.clock.now().getTime() + 3_600_000).toISOString();
    expect((await audit().list(admin, `from=${encodeURIComponent(future)}`)).body.items).toEqual([]);
    expect((await audit().list(admin, `to=${encodeURIComponent(future)}`)).body.items).toHaveLength(8);
  });

  it("shows an admin only the own tenant's events", async () => {
    const user = await userWithWrongCodes(1);
    const other = await adminOf(uniqueSub('audit-foreign'));
    expect((await audit().list(other)).body.items).toEqual([]);
    expect((await audit().list(other, `sub=${encodeURIComponent(user.sub)}`)).body.items).toEqual([]);
  });

  it('refuses a token without verification:admin (a stolen user token included)', async () => {
    const user = await userWithWrongCodes(0);
    expectProblem(await audit().list(user.token), 403, 'VER_0012');
    expectProblem(await audit().verify(user.token), 403, 'VER_0012');
  });

  it('refuses a caller without a token, such as a status-id holder', async () => {
    expectProblem(await request(`${server.url}/verification-srv/audit`), 401, 'VER_0010');
    expectProblem(await request(`${server.url}/verification-srv/audit/verify`), 401, 'VER_0010');
  });

  it.each([
    ['limit=201', 'limit'],
    ['limit=0', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['order=sideways', 'order'],
    ['from=yesterday', 'from'],
    ['from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z', 'from'],
    ['event=DROP%20TABLE', 'event'],
    ['sub=a&sub=b', 'sub'],
    ['user=alice', 'query'],
  ])('answers %s with a 400 naming %s', async (query, field) => {
    const res = await audit().list(await adminOf('audit-bad-query'), query);
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toMatch(new RegExp(`^${field}`));
  });

  it('refuses a cursor of the other order', async () => {
    const user = await userWithWrongCodes(2);
    const admin = await adminOf(user.tenant);
    const page = await audit().list(admin, 'limit=1');
    expectProblem(await audit().list(admin, `order=asc&cursor=${page.body.next_cursor}`), 400, 'VER_0001');
  });
});

describe('GET /verification-srv/audit/verify', () => {
  it('reports ok with the number of rows checked', async () => {
    const user = await userWithWrongCodes(3);
    expect((await audit().verify(await adminOf(user.tenant))).body).toEqual({ ok: true, checked: 6 });
  });

  it('checks a time range', async () => {
    const user = await userWithWrongCodes(2);
    const until = encodeURIComponent(new Date(server.clock.now().getTime() + 60_000).toISOString());
    expect((await audit().verify(await adminOf(user.tenant), `from=2000-01-01T00:00:00Z&to=${until}`)).body).toEqual({ ok: true, checked: 5 });
  });

  it('reports ok and nothing checked for a tenant without events', async () => {
    expect((await audit().verify(await adminOf(uniqueSub('audit-empty')))).body).toEqual({ ok: true, checked: 0 });
  });

  it('refuses a bad range', async () => {
    expectProblem(await audit().verify(await adminOf('audit-bad-range'), 'from=soon'), 400, 'VER_0001');
    expectProblem(await audit().verify(await adminOf('audit-bad-range'), 'limit=5'), 400, 'VER_0001');
  });
});

describe('what else is audited', () => {
  it('an admin settings change: the method and the names of what changed, not the values, by the admin', async () => {
    const tenant = uniqueSub('audit-settings');
    const admin = await adminOf(tenant);
    const change = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { settings: { digits: 8, issuer: 'Secret Corp' }, active: true } });
    expect(change.status).toBe(200);
    // The same values again change nothing, and record nothing.
    await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { settings: { digits: 8 } } });
    const res = await audit().list(admin, 'event=settings.changed');
    expect(res.body.items.map((r) => [r.sub, r.actor, r.type, r.details])).toEqual([[`admin-${tenant}`, `admin-${tenant}`, 'TOTP', { changed: ['digits', 'issuer'] }]]);
    expect(JSON.stringify(res.body)).not.toContain('Secret Corp');
  });

  it('a refused step-up is kept, while the change it refused leaves no row', async () => {
    const tenant = uniqueSub('audit-stepup');
    const user = await enrolledUser(server, { prefix: 'audit-stepup', tenant });
    expectProblem(await api.removeDevice(user.token, user.phId), 401, 'VER_0014');
    const events = (await audit().list(await adminOf(tenant))).body.items.map((r) => [r.event, r.outcome, r.details]);
    expect(events).toEqual([
      ['stepup.refused', 'refused', { operation: 'remove_device', reason: expect.any(String) }],
      ['factor.added', 'success', { via: 'profile' }],
      ['enrollment.enrolled', 'success', {}],
      ['enrollment.initiated', 'success', {}],
    ]);
  });

  it('a successful sign-in and a replayed code', async () => {
    const tenant = uniqueSub('audit-signin');
    const user = await enrolledUser(server, { prefix: 'audit-signin', tenant });
    const code = codeNow(server, user.secret);
    expect((await api.signIn(user.token, code)).status).toBe(200);
    expectProblem(await api.signIn(user.token, code), 400, 'VER_0041');
    const rows = (await audit().list(await adminOf(tenant), 'limit=2')).body.items;
    expect(rows.map((r) => [r.event, r.ph_id])).toEqual([
      ['authentication.replay', user.phId],
      ['authentication.succeeded', user.phId],
    ]);
  });
});

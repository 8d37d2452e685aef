import { describe, expect, it } from 'vitest';
import { auditClient } from '../../helpers/audit.ts';
import { wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

const activity = (token: string, query = '') => auditClient(server).activity(token, query);

describe('GET /verification-actions-srv/activity', () => {
  it("shows the caller's own events newest first, with where each request came from", async () => {
    const user = await enrolledUser(server, { prefix: 'activity' });
    expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    const res = await activity(user.token);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => [i.event, i.outcome, i.type])).toEqual([
      ['authentication.wrong_code', 'failure', 'TOTP'],
      ['factor.added', 'success', 'TOTP'],
      ['enrollment.enrolled', 'success', 'TOTP'],
      ['enrollment.initiated', 'success', 'TOTP'],
    ]);
    expect(res.body.items[0]).toMatchObject({ details: { failures: 1 }, ip: expect.any(String), user_agent: expect.any(String) });
    expect(res.body.items[1]).toMatchObject({ ph_id: user.phId, status_id: user.offer.status_id });
  });

  it('shows a removal by an admin without the admin, or where the admin was', async () => {
    const tenant = uniqueSub('activity-tenant');
    const user = await enrolledUser(server, { prefix: 'activity', tenant });
    const admin = await server.token({ sub: 'activity-admin', tenant, scope: 'verification:admin' });
    expect((await api.removeDevice(admin, user.phId)).status).toBe(204);
    const [removed] = (await activity(user.token)).body.items;
    expect(removed).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      event: 'factor.removed',
      type: 'TOTP',
      outcome: 'success',
      ph_id: user.phId,
      status_id: null,
      details: { actor: 'admin' },
      ip: null,
      user_agent: null,
    });
    expect(JSON.stringify(removed)).not.toContain('activity-admin');
  });

  it("never shows another user's events, nor those of the same sub in another tenant", async () => {
    const tenant = uniqueSub('activity-tenant');
    const alice = await enrolledUser(server, { prefix: 'activity-alice', tenant });
    await enrolledUser(server, { prefix: 'activity-bob', tenant });
    expect((await activity(alice.token)).body.items.map((i) => i.event)).toEqual(['factor.added', 'enrollment.enrolled', 'enrollment.initiated']);
    const twin = await server.token({ sub: alice.sub, tenant: uniqueSub('activity-other') });
    expect((await activity(twin)).body.items).toEqual([]);
  });

  it('pages with a cursor and bounds the page size', async () => {
    const user = await enrolledUser(server, { prefix: 'activity-pages' });
    for (let i = 0; i < 2; i++) expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    const first = await activity(user.token, 'limit=3');
    expect(first.body.items).toHaveLength(3);
    const rest = await activity(user.token, `limit=3&cursor=${first.body.next_cursor}`);
    expect(rest.body.items.map((i) => i.event)).toEqual(['enrollment.enrolled', 'enrollment.initiated']);
    expect(rest.body.next_cursor).toBeUndefined();
    expectProblem(await activity(user.token, 'limit=51'), 400, 'VER_0001');
    expectProblem(await activity(user.token, 'sub=someone-else'), 400, 'VER_0001');
  });

  it('answers an unchanged page with a bodiless 304 to its ETag, and the new page once an event lands', async () => {
    const user = await enrolledUser(server, { prefix: 'activity-etag' });
    const first = await activity(user.token);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const unchanged = await auditClient(server).activity(user.token, '', { 'If-None-Match': etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBe('');

    expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    const changed = await auditClient(server).activity(user.token, '', { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.items[0]?.event).toBe('authentication.wrong_code');
  });

  it('refuses a caller without a token, such as a status-id holder', async () => {
    expectProblem(await request(`${server.url}/verification-actions-srv/activity`), 401, 'VER_0010');
  });
});

import { describe, expect, it } from 'vitest';
import { removeDevice } from '../../../shared/devices/devices.ts';
import { SecurityEventRecorder } from '../../../shared/security-events/index.ts';
import { codeNow, wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { expectNeverLogged, securityEventsOf } from '../../helpers/security-events.ts';
import { alignToMidStep, enrolledUser, sendWrongCodes, uniqueSub, type EnrolledUser } from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

/** The event lines enrolledUser's own enrollment left: its two transitions and the factor it added. */
function enrolled(user: EnrolledUser) {
  const subject = { tenant: user.tenant ?? 'default', sub: user.sub, type: 'TOTP', outcome: 'success', status_id: user.offer.status_id };
  return [
    { event: 'enrollment.initiated', ...subject },
    { event: 'enrollment.enrolled', ...subject, ph_id: user.phId },
    { event: 'factor.added', ...subject, ph_id: user.phId, via: 'profile' },
  ];
}

/** Everything of `user` that must never reach a log line. */
function secretsOf(user: EnrolledUser, codes: string[] = []): string[] {
  return [user.token, user.secret, user.offer.exchange_id.exchange_id, user.offer.otpauth_uri, user.offer.otpauth_uri_standard, ...codes];
}

describe('sign-in events', () => {
  it('logs a wrong code once as authentication.wrong_code with the failure count, never the code', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-wrong' });
    const code = wrongCode(server, user.secret);
    expectProblem(await api.signIn(user.token, code), 400, 'VER_0041');
    expect(securityEventsOf(server, user.sub)).toEqual([
      ...enrolled(user),
      { event: 'authentication.wrong_code', tenant: 'default', sub: user.sub, type: 'TOTP', outcome: 'failure', failures: 1 },
    ]);
    expectNeverLogged(server, secretsOf(user, [code]));
  });

  it('logs a replayed code once as authentication.replay naming the authenticator', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-replay', tenant: 'ev-tenant' });
    const code = codeNow(server, user.secret);
    expect((await api.signIn(user.token, code)).status).toBe(200);
    expectProblem(await api.signIn(user.token, code), 400, 'VER_0041');
    const subject = { tenant: 'ev-tenant', sub: user.sub, type: 'TOTP' };
    expect(securityEventsOf(server, user.sub)).toEqual([
      ...enrolled(user),
      { event: 'authentication.succeeded', ...subject, outcome: 'success', ph_id: user.phId },
      { event: 'authentication.replay', ...subject, outcome: 'failure', ph_id: user.phId },
    ]);
    expectNeverLogged(server, secretsOf(user, [code]));
  });

  it('logs lockout.started exactly once, with the tenth wrong code, and a refused attempt while locked as authentication.throttled', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-lockout' });
    await sendWrongCodes(server, user, 10);
    const right = codeNow(server, user.secret);
    const locked = await api.signIn(user.token, right);
    expectProblem(locked, 429, 'VER_0042');
    const events = securityEventsOf(server, user.sub);
    expect(events.map((e) => e.event)).toEqual([
      'enrollment.initiated',
      'enrollment.enrolled',
      'factor.added',
      ...Array<string>(10).fill('authentication.wrong_code'),
      'lockout.started',
      'authentication.throttled',
    ]);
    expect(events.slice(3, 13).map((e) => e.failures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events[13]).toEqual({
      event: 'lockout.started',
      tenant: 'default',
      sub: user.sub,
      type: 'TOTP',
      outcome: 'failure',
      failures: 10,
      locked_until: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(String(events[13]!.locked_until)) - server.clock.now().getTime()).toBeGreaterThan(14 * 60_000);
    expect(events[14]).toEqual({
      event: 'authentication.throttled',
      tenant: 'default',
      sub: user.sub,
      type: 'TOTP',
      outcome: 'refused',
      retry_after: Number(locked.headers.get('retry-after')),
    });
    expectNeverLogged(server, secretsOf(user, [right]));
  });
});

describe('sign-in events during a lockout', () => {
  it('refuses each of 20 attempts of a locked user with 429 but records authentication.throttled once', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-flood' });
    await sendWrongCodes(server, user, 10);
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.signIn(user.token, codeNow(server, user.secret))));
    for (const answer of answers) expectProblem(answer, 429, 'VER_0042');
    const events = securityEventsOf(server, user.sub).map((e) => e.event);
    expect(events.filter((e) => e === 'authentication.throttled')).toHaveLength(1);
    expect(events.at(-1)).toBe('authentication.throttled');
  });

  it('records the first refused attempt of the next lockout again', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-relock' });
    await sendWrongCodes(server, user, 10);
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret)), 429, 'VER_0042');
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret)), 429, 'VER_0042');
    server.clock.advance(15 * 60_000 + 1_000);
    expectProblem(await api.signIn(user.token, wrongCode(server, user.secret)), 400, 'VER_0041');
    expectProblem(await api.signIn(user.token, codeNow(server, user.secret)), 429, 'VER_0042');
    expect(securityEventsOf(server, user.sub).slice(13).map((e) => e.event)).toEqual([
      'lockout.started',
      'authentication.throttled',
      'authentication.wrong_code',
      'lockout.started',
      'authentication.throttled',
    ]);
  });
});

describe('enrollment events', () => {
  it('logs a wrong enrollment code as enrollment.wrong_code with the attempts left, and the fifth also as enrollment.failed', async () => {
    const sub = uniqueSub('ev-enroll-fail');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: offer } = await api.initiate(token);
    const code = wrongCode(server, offer.totp_secret);
    for (let i = 0; i < 5; i++) await api.verify(token, offer.exchange_id.exchange_id, code);
    const subject = { tenant: 'default', sub, type: 'TOTP', status_id: offer.status_id };
    expect(securityEventsOf(server, sub)).toEqual([
      { event: 'enrollment.initiated', ...subject, outcome: 'success' },
      ...[4, 3, 2, 1, 0].map((left) => ({ event: 'enrollment.wrong_code', ...subject, outcome: 'failure', remaining_attempts: left })),
      { event: 'enrollment.failed', ...subject, outcome: 'failure', attempts: 5 },
    ]);
    expectNeverLogged(server, [token, offer.totp_secret, offer.exchange_id.exchange_id, code]);
  });

  it('logs an enrollment completed by the authenticator app as its transitions and factor.added via app', async () => {
    const sub = uniqueSub('ev-app');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const { body: offer } = await api.initiate(token);
    expect((await api.scan(offer, 'phone-7')).status).toBe(200);
    const code = codeNow(server, offer.totp_secret);
    const done = await api.enroll(offer, code, 'phone-7');
    expect(done.status).toBe(200);
    const subject = { tenant: 'default', sub, type: 'TOTP', outcome: 'success', status_id: offer.status_id };
    const phId = (done.body as { ph_id: string }).ph_id;
    expect(securityEventsOf(server, sub)).toEqual([
      { event: 'enrollment.initiated', ...subject },
      { event: 'enrollment.scanned', ...subject },
      { event: 'enrollment.enrolled', ...subject, ph_id: phId },
      { event: 'factor.added', ...subject, ph_id: phId, via: 'app' },
    ]);
    expectNeverLogged(server, [offer.totp_secret, offer.exchange_id.exchange_id, offer.authenticator_client_id, code]);
  });
});

describe('device removal events', () => {
  it('logs a user removing their own authenticator as factor.removed by self', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-remove-self' });
    const token = await steppedUpToken(server, { sub: user.sub });
    expect((await api.removeDevice(token, user.phId)).status).toBe(204);
    expect(securityEventsOf(server, user.sub)).toEqual([
      ...enrolled(user),
      { event: 'factor.removed', tenant: 'default', sub: user.sub, type: 'TOTP', outcome: 'success', ph_id: user.phId, actor: 'self' },
    ]);
  });

  it("logs an admin removing a user's authenticator as factor.removed by admin, naming the admin", async () => {
    const user = await enrolledUser(server, { prefix: 'ev-remove-admin', tenant: 'ev-recovery' });
    const admin = await server.token({ sub: 'helpdesk-1', tenant: 'ev-recovery', scope: 'verification:admin' });
    expect((await api.removeDevice(admin, user.phId)).status).toBe(204);
    expect(securityEventsOf(server, user.sub).at(-1)).toEqual({
      event: 'factor.removed',
      tenant: 'ev-recovery',
      sub: user.sub,
      type: 'TOTP',
      outcome: 'success',
      ph_id: user.phId,
      actor: 'admin',
      actor_sub: 'helpdesk-1',
    });
    expectNeverLogged(server, [admin]);
  });

  it('logs nothing when the device to remove is not found', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-remove-none' });
    const other = await server.token({ sub: uniqueSub('ev-stranger') });
    expectProblem(await api.removeDevice(other, user.phId), 404, 'VER_0044');
    expect(securityEventsOf(server, user.sub)).toEqual(enrolled(user));
  });

  it('keeps the authenticator when a sink fails, because events are recorded in the transaction of the change', async () => {
    const user = await enrolledUser(server, { prefix: 'ev-remove-rollback' });
    const failing = new SecurityEventRecorder([{ write: () => Promise.reject(new Error('audit row refused')) }], () => server.clock.now());
    const actor = { tenantId: 'default', sub: user.sub, scopes: new Set<string>(), displayName: user.sub, signIn: { amr: [], acr: undefined, authTime: undefined } };
    const now = server.clock.now();
    const stepUp = {
      policy: { maxAgeS: 300, acr: undefined, clockSkewS: 60 },
      proof: { caller: { tenantId: 'default', sub: user.sub }, token: { amr: ['otp'], acr: undefined, authTime: Math.floor(now.getTime() / 1000) }, assertion: undefined },
    };
    await expect(removeDevice(server.deps.db, { actor, phId: user.phId, stepUp, now, events: failing })).rejects.toThrow('audit row refused');
    expect((await api.devices(user.token)).body.map((d) => d.ph_id)).toEqual([user.phId]);
  });
});

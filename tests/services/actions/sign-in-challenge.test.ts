import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeClient, exchangeOf, type ChallengeClient } from '../../helpers/challenge.ts';
import { codeNow, enrollmentClient, wrongCode, type EnrollmentClient } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { startLongPoll } from '../../helpers/long-poll.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { alignToMidStep, enrolledUser, retryAfterOf, setTotpConfig, uniqueSub, type EnrolledUser } from '../../helpers/sign-in.ts';
import { withAssertion } from '../../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// TOTP sign-in through a challenge (DESIGN §9, cidaas' initiate-then-verify form): the first
// user of the challenge machinery every method shares. Two instances share one database, so a
// watcher on one sees what the other did.
let database: ScratchDatabase;
let server: TestServer;
let other: TestServer;
let challenges: ChallengeClient;
let api: EnrollmentClient;
beforeAll(async () => {
  database = await createScratchDatabase();
  server = await startTestServer({ databaseUrl: database.url });
  other = await startTestServer({ databaseUrl: database.url });
  challenges = challengeClient(server);
  api = enrollmentClient(server);
});
afterAll(async () => {
  await server?.close();
  await other?.close();
  await database?.drop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const serviceToken = (tenant?: string) => server.token({ sub: 'sign-in-backend', scope: 'verification:service', ...(tenant ? { tenant } : {}) });

/** A user with a TOTP authenticator and a live challenge of theirs, the clock mid-step on a fresh code. */
async function userWithChallenge(prefix: string, tenant?: string): Promise<{ user: EnrolledUser; exchangeId: string; statusId: string }> {
  const user = await enrolledUser(server, { prefix, ...(tenant ? { tenant } : {}) });
  alignToMidStep(server);
  const started = await challenges.initiate(user.token);
  return { user, exchangeId: exchangeOf(started), statusId: started.body.status_id };
}

async function watch(on: TestServer, statusId: string): Promise<TestSocket> {
  const socket = await TestSocket.open(wsUrl(on.url, `?status_id=${statusId}`));
  expect((await socket.next()).data?.status).toBe('INITIATED');
  return socket;
}

describe('POST /verification-srv/authentication/totp/initiation', () => {
  it('starts a challenge: an exchange id to answer it, a status id to watch it, never cached', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-start' });
    server.clock.freeze();
    const at = server.clock.now().getTime();
    const res = await challenges.initiate(user.token).finally(() => server.clock.resume());
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      exchange_id: { exchange_id: expect.stringMatching(UUID), expires_at: new Date(at + 600_000).toISOString() },
      status_id: expect.stringMatching(UUID),
      type: 'TOTP',
    });
    const polled = await challenges.status(res.body.status_id);
    expect(polled.body).toEqual({
      status: 'INITIATED',
      id: res.body.status_id,
      sub: user.sub,
      type: 'TOTP',
      expires_at: res.body.exchange_id.expires_at,
      updated_at: new Date(at).toISOString(),
    });
  });

  it('refuses a user without a TOTP authenticator with 409 VER_0043', async () => {
    const token = await server.token({ sub: uniqueSub('ch-nothing') });
    expectProblem(await challenges.initiate(token), 409, 'VER_0043');
  });

  it('refuses with 409 VER_0021 when the tenant switched TOTP off', async () => {
    const tenant = `ch-off-${randomUUID().slice(0, 8)}`;
    const user = await enrolledUser(server, { prefix: 'ch-off', tenant });
    await setTotpConfig(server, tenant, { active: false });
    expectProblem(await challenges.initiate(user.token), 409, 'VER_0021');
  });

  it('answers a method this service does not implement with 404 VER_0020', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-voice' });
    expectProblem(await challengeClient(server, 'voice').initiate(user.token), 404, 'VER_0020');
  });

  it('refuses a body member the method does not know', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-body' });
    expectProblem(await challenges.initiate(user.token, { message: 'Sign in to Acme?' }), 400, 'VER_0001');
  });
});

describe('answering a TOTP challenge with a code', () => {
  it('makes it AUTHENTICATED for its WebSocket watcher, with the authenticator that answered', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-ws');
    const socket = await watch(server, statusId);
    server.clock.freeze();
    const at = server.clock.now().toISOString();
    const res = await challenges.verify(user.token, exchangeId, codeNow(server, user.secret)).finally(() => server.clock.resume());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'AUTHENTICATED',
      sub: user.sub,
      verification_type: 'TOTP',
      ph_id: user.phId,
      status_id: statusId,
      authenticated_at: at,
      assertion: expect.any(String),
    });
    expect((await socket.next()).data).toMatchObject({ status: 'AUTHENTICATED', id: statusId, ph_id: user.phId });
    expect(await socket.next()).toEqual({ type: 'unsubscribed', status_id: statusId, reason: 'terminal' });
    await socket.close();
  });

  it('shows AUTHENTICATED to polls: a new ETag, and a long poll wakes up', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-poll');
    const first = await challenges.status(statusId);
    const etag = first.headers.get('etag')!;
    expect((await request(`${server.url}/verification-srv/verificationstatus/${statusId}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const { response } = await startLongPoll(server, () =>
      request<Record<string, unknown>>(`${server.url}/verification-srv/verificationstatus/${statusId}?wait=25`, { headers: { 'if-none-match': etag } }),
    );
    expect((await challenges.verify(user.token, exchangeId, codeNow(server, user.secret))).status).toBe(200);
    const woken = await response;
    expect(woken.status).toBe(200);
    expect(woken.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.phId });
    expect(woken.headers.get('etag')).not.toBe(etag);
  });

  it('is seen by a watcher on another instance', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-instances');
    const socket = await watch(other, statusId);
    expect((await challenges.verify(user.token, exchangeId, codeNow(server, user.secret))).status).toBe(200);
    expect((await socket.next()).data).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.phId });
    await socket.close();
  });

  it('returns an assertion that passes step-up, like a direct sign-in', async () => {
    const { user, exchangeId } = await userWithChallenge('ch-assertion');
    const { assertion } = (await challenges.verify(user.token, exchangeId, codeNow(server, user.secret))).body as { assertion: string };
    expect((await api.initiate(user.token, {}, withAssertion(assertion))).status).toBe(201);
  });

  it('lets the direct form ({pass_code}) verify codes as before, with no challenge', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-direct' });
    const res = await api.signIn(user.token, codeNow(server, user.secret));
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('status_id');
  });
});

describe('wrong and replayed codes on a challenge', () => {
  it('fails it after five wrong codes (the fifth answered 409 VER_0027), then refuses even the right code', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-fail');
    const socket = await watch(server, statusId);
    for (let i = 1; i <= 4; i++) {
      const res = await challenges.verify(user.token, exchangeId, wrongCode(server, user.secret));
      expectProblem(res, 400, 'VER_0041');
      const wait = retryAfterOf(res);
      if (wait !== null) server.clock.advance(wait * 1000 + 1);
    }
    expectProblem(await challenges.verify(user.token, exchangeId, wrongCode(server, user.secret)), 409, 'VER_0027');
    expect((await socket.next()).data?.status).toBe('FAILED');
    expect((await challenges.status(statusId)).body).toMatchObject({ status: 'FAILED' });
    server.clock.advance(60_000);
    expectProblem(await challenges.verify(user.token, exchangeId, codeNow(server, user.secret)), 409, 'VER_0027');
    await socket.close();
  });

  it("counts its wrong codes in the user's sign-in throttle, which the direct form shares", async () => {
    const { user, exchangeId } = await userWithChallenge('ch-throttle');
    for (let i = 1; i <= 3; i++) {
      const res = await challenges.verify(user.token, exchangeId, wrongCode(server, user.secret));
      expectProblem(res, 400, 'VER_0041');
      expect(retryAfterOf(res)).toBeNull();
    }
    const fourth = await api.signIn(user.token, wrongCode(server, user.secret));
    expectProblem(fourth, 400, 'VER_0041');
    expect(retryAfterOf(fourth)).toBe(2);
    expectProblem(await challenges.verify(user.token, exchangeId, codeNow(server, user.secret)), 429, 'VER_0042');
  });

  it('refuses answering it twice with 409 VER_0025', async () => {
    const { user, exchangeId } = await userWithChallenge('ch-twice');
    const code = codeNow(server, user.secret);
    expect((await challenges.verify(user.token, exchangeId, code)).status).toBe(200);
    expectProblem(await challenges.verify(user.token, exchangeId, code), 409, 'VER_0025');
  });

  it('refuses a code already used on a new challenge, without counting it or failing the challenge', async () => {
    const { user, exchangeId } = await userWithChallenge('ch-replay');
    const code = codeNow(server, user.secret);
    expect((await challenges.verify(user.token, exchangeId, code)).status).toBe(200);
    const again = await challenges.initiate(user.token);
    const replayed = await challenges.verify(user.token, exchangeOf(again), code);
    expectProblem(replayed, 400, 'VER_0041');
    expect((replayed.body as { detail: string }).detail).toBe('this code was already used');
    expect((await challenges.status(again.body.status_id)).body).toMatchObject({ status: 'INITIATED' });
  });
});

describe('the lifetime of a challenge', () => {
  it('expires with the exchange lifetime: watchers see EXPIRED and the code is refused with 409 VER_0024', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-expire');
    const socket = await watch(server, statusId);
    server.clock.advance(600_001);
    expect((await socket.next()).data?.status).toBe('EXPIRED');
    expectProblem(await challenges.verify(user.token, exchangeId, codeNow(server, user.secret)), 409, 'VER_0024');
    await socket.close();
  });

  it('is cancelled by its user: watchers see CANCELLED, and it can be neither answered nor cancelled again', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-cancel');
    const socket = await watch(server, statusId);
    const res = await challenges.cancel(user.token, exchangeId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', id: statusId, sub: user.sub, type: 'TOTP' });
    expect((await socket.next()).data?.status).toBe('CANCELLED');
    expectProblem(await challenges.verify(user.token, exchangeId, codeNow(server, user.secret)), 409, 'VER_0026');
    expectProblem(await challenges.cancel(user.token, exchangeId), 409, 'VER_0026');
    await socket.close();
  });
});

describe('who may answer or cancel a challenge', () => {
  it("treats another user's exchange id like an unknown one (404 VER_0023), and leaves the challenge live", async () => {
    const { exchangeId, statusId } = await userWithChallenge('ch-victim');
    const attacker = await enrolledUser(server, { prefix: 'ch-attacker' });
    expectProblem(await challenges.verify(attacker.token, exchangeId, codeNow(server, attacker.secret)), 404, 'VER_0023');
    expectProblem(await challenges.cancel(attacker.token, exchangeId), 404, 'VER_0023');
    expectProblem(await challenges.verify(attacker.token, randomUUID(), codeNow(server, attacker.secret)), 404, 'VER_0023');
    expect((await challenges.status(statusId)).body).toMatchObject({ status: 'INITIATED' });
  });

  it("treats another tenant's exchange id like an unknown one, even for the same sub", async () => {
    const tenant = `ch-tenant-${randomUUID().slice(0, 8)}`;
    const { user, exchangeId } = await userWithChallenge('ch-tenant', tenant);
    const sameSubElsewhere = await server.token({ sub: user.sub });
    expectProblem(await challenges.verify(sameSubElsewhere, exchangeId, codeNow(server, user.secret)), 404, 'VER_0023');
    expectProblem(await challenges.cancel(sameSubElsewhere, exchangeId), 404, 'VER_0023');
    expectProblem(await challenges.verify(await serviceToken(), exchangeId, codeNow(server, user.secret), user.sub), 404, 'VER_0023');
  });

  it('gives a status-id holder nothing to answer or cancel with', async () => {
    const { user, statusId } = await userWithChallenge('ch-status-holder');
    expectProblem(await challenges.verify(user.token, statusId, codeNow(server, user.secret)), 404, 'VER_0023');
    expectProblem(await challenges.cancel(user.token, statusId), 404, 'VER_0023');
    expect((await challenges.status(statusId)).body).toMatchObject({ status: 'INITIATED' });
  });

  it("does not take an enrollment's exchange id as a challenge's", async () => {
    const user = await enrolledUser(server, { prefix: 'ch-enrollment-id' });
    const { assertion } = (await api.signIn(user.token, codeNow(server, user.secret))).body as { assertion: string };
    const enrollment = await api.initiate(user.token, {}, withAssertion(assertion));
    server.clock.advance(30_000);
    expectProblem(await challenges.verify(user.token, enrollment.body.exchange_id.exchange_id, codeNow(server, user.secret)), 404, 'VER_0023');
  });

  it('lets a backend with verification:service start, answer and cancel challenges for the user it names', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-service' });
    const backend = await serviceToken();
    alignToMidStep(server);
    const started = await challenges.initiate(backend, { sub: user.sub });
    expect(started.status).toBe(201);
    expect((await challenges.status(started.body.status_id)).body).toMatchObject({ sub: user.sub });
    const res = await challenges.verify(backend, exchangeOf(started), codeNow(server, user.secret), user.sub);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: user.sub, ph_id: user.phId });
    const second = await challenges.initiate(backend, { sub: user.sub });
    expect((await challenges.cancel(backend, exchangeOf(second), user.sub)).body).toMatchObject({ status: 'CANCELLED' });
  });

  it("does not let a backend answer a challenge in another user's name than its user's", async () => {
    const { user, exchangeId } = await userWithChallenge('ch-service-mixup');
    const bystander = await enrolledUser(server, { prefix: 'ch-service-bystander' });
    expectProblem(await challenges.verify(await serviceToken(), exchangeId, codeNow(server, user.secret), bystander.sub), 404, 'VER_0023');
  });

  it('asks a service token to name the user (400 VER_0001)', async () => {
    const backend = await serviceToken();
    expectProblem(await challenges.initiate(backend), 400, 'VER_0001');
    expectProblem(await challenges.cancel(backend, randomUUID()), 400, 'VER_0001');
  });

  it('refuses a user token naming another user with 403 VER_0012, to start, answer or cancel', async () => {
    const { user, exchangeId } = await userWithChallenge('ch-named');
    const mallory = await server.token({ sub: uniqueSub('ch-mallory') });
    expectProblem(await challenges.initiate(mallory, { sub: user.sub }), 403, 'VER_0012');
    expectProblem(await challenges.verify(mallory, exchangeId, codeNow(server, user.secret), user.sub), 403, 'VER_0012');
    expectProblem(await challenges.cancel(mallory, exchangeId, user.sub), 403, 'VER_0012');
  });

  it('gives a stolen bearer token no way past the code: the challenge waits, no assertion is minted', async () => {
    const { user, exchangeId, statusId } = await userWithChallenge('ch-stolen');
    const res = await challenges.verify(user.token, exchangeId, wrongCode(server, user.secret));
    expectProblem(res, 400, 'VER_0041');
    expect(res.body).not.toHaveProperty('assertion');
    expect((await challenges.status(statusId)).body).toMatchObject({ status: 'INITIATED' });
  });
});

describe('operations a method does not have', () => {
  it('answers resending a TOTP enrollment (TOTP sends nothing) with 404 VER_0022', async () => {
    const user = await enrolledUser(server, { prefix: 'ch-resend' });
    const res = await request(`${server.url}/verification-actions-srv/setup/totp/resend/${user.offer.exchange_id.exchange_id}`, { method: 'POST', token: user.token });
    expectProblem(res, 404, 'VER_0022');
  });
});

describe('challenge initiation and INITIATION_RATE_LIMIT', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { INITIATION_RATE_LIMIT: '3' } });
  });
  afterAll(() => limited?.close());

  it('counts challenges toward the limit, together with enrollments: the fourth in a minute is 429 VER_0050', async () => {
    const user = await enrolledUser(limited, { prefix: 'ch-flood' });
    limited.clock.advance(60_000);
    const client = challengeClient(limited);
    for (let i = 0; i < 3; i++) expect((await client.initiate(user.token)).status).toBe(201);
    const refused = await client.initiate(user.token);
    expectProblem(refused, 429, 'VER_0050');
    expect(retryAfterOf(refused)).toBeGreaterThan(0);
    const { assertion } = (await enrollmentClient(limited).signIn(user.token, codeNow(limited, user.secret))).body as { assertion: string };
    expectProblem(await enrollmentClient(limited).initiate(user.token, {}, withAssertion(assertion)), 429, 'VER_0050');
  });

  it('counts a service token starting challenges against the user it names', async () => {
    const user = await enrolledUser(limited, { prefix: 'ch-flood-service' });
    limited.clock.advance(60_000);
    const client = challengeClient(limited);
    const backend = await limited.token({ sub: 'backend', scope: 'verification:service' });
    for (let i = 0; i < 3; i++) expect((await client.initiate(backend, { sub: user.sub })).status).toBe(201);
    expectProblem(await client.initiate(user.token), 429, 'VER_0050');
  });
});

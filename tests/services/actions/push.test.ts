import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { SimulatedPushDevice, readPushUri } from '../../helpers/push-device.ts';
import { initiatePushEnrollment, pushSignIn, pushUser, startedChallenge, type PushUser } from '../../helpers/push-user.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// PUSH (DESIGN §10) against its attackers (THREATS.md): a first-factor thief, another user or
// tenant, a status-id holder, a rogue device, a replayer and a flooder. Real HTTP, PostgreSQL
// and WebSocket; the device is the simulator of tests/helpers/push-device.ts.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { INITIATION_RATE_LIMIT: '0' } });
});
afterAll(() => server?.close());

const signIn = () => pushSignIn(server);

/** A response of the generated client, as expectProblem reads one. */
const asResponse = (res: { response: Response; error?: unknown }) => ({ status: res.response.status, headers: res.response.headers, body: res.error });

async function challengeFor(user: PushUser, body?: Record<string, unknown>) {
  return startedChallenge(await signIn().initiate(user.token, body));
}

async function statusOf(statusId: string): Promise<string> {
  const res = await request<{ status: string }>(`${server.url}/verification-srv/verificationstatus/${statusId}`);
  return res.body.status;
}

describe('PUSH enrollment', () => {
  it('offers a push_uri with the companion extras and no secret', async () => {
    const sub = uniqueSub('push-offer');
    const res = await initiatePushEnrollment(server, await server.token({ sub }));
    expect(res.status).toBe(201);
    const params = readPushUri(res.body.push_uri);
    expect(params).toMatchObject({ t: 'push', sub, eid: res.body.exchange_id.exchange_id, burl: server.url });
    expect(params).not.toHaveProperty('secret');
  });

  it('enrolls an Ed25519 device key as well as a P-256 one', async () => {
    const user = await pushUser(server, { prefix: 'push-ed', algorithm: 'EdDSA' });
    const res = await user.device.pending();
    expect(res.data).toEqual({ challenges: [] });
  });

  it('refuses a proof of possession signed by another key with 400 VER_0064, leaving the enrollment scanned', async () => {
    const token = await server.token({ sub: uniqueSub('push-pop') });
    const offer = await initiatePushEnrollment(server, token);
    const { eid, cid } = readPushUri(offer.body.push_uri);
    const device = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    const thief = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    await request(`${server.url}/verification-actions-srv/setup/push/scan`, { body: { exchange_id: eid, client_id: cid, device_id: device.deviceId } });
    const res = await request(`${server.url}/verification-srv/v2/setup/enroll/push`, {
      body: { exchange_id: eid, client_id: cid, device_id: device.deviceId, public_key: device.publicJwk, proof: await thief.sign({ exchange_id: eid }) },
    });
    expectProblem(res, 400, 'VER_0064');
    expect(await statusOf(offer.body.status_id)).toBe('SCANNED');
  });

  it('refuses a proof over another exchange id with 400 VER_0064', async () => {
    const token = await server.token({ sub: uniqueSub('push-pop2') });
    const offer = await initiatePushEnrollment(server, token);
    const { eid, cid } = readPushUri(offer.body.push_uri);
    const device = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    await request(`${server.url}/verification-actions-srv/setup/push/scan`, { body: { exchange_id: eid, client_id: cid, device_id: device.deviceId } });
    const res = await request(`${server.url}/verification-srv/v2/setup/enroll/push`, {
      body: { exchange_id: eid, client_id: cid, device_id: device.deviceId, public_key: device.publicJwk, proof: await device.sign({ exchange_id: randomUUID() }) },
    });
    expectProblem(res, 400, 'VER_0064');
  });

  it('refuses a private key sent as the public key with 400 VER_0001, and a point off the curve with 400 VER_0063', async () => {
    const token = await server.token({ sub: uniqueSub('push-jwk') });
    const offer = await initiatePushEnrollment(server, token);
    const { eid, cid } = readPushUri(offer.body.push_uri);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const body = { exchange_id: eid, client_id: cid, device_id: 'd1', proof: 'a.b.c' };
    expectProblem(await request(`${server.url}/verification-srv/v2/setup/enroll/push`, { body: { ...body, public_key: privateJwk } }), 400, 'VER_0001');
    const offCurve = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) };
    expectProblem(await request(`${server.url}/verification-srv/v2/setup/enroll/push`, { body: { ...body, public_key: offCurve } }), 400, 'VER_0063');
  });

  it('asks a user who already has a device for step-up before a second one (401 VER_0014)', async () => {
    const user = await pushUser(server, { prefix: 'push-thief' });
    expectProblem(await initiatePushEnrollment(server, user.token), 401, 'VER_0014');
  });
});

describe('device authentication', () => {
  let user: PushUser;
  beforeAll(async () => {
    user = await pushUser(server, { prefix: 'push-auth' });
  });

  it('refuses a request without a device token with 401 VER_0060, a bearer token included', async () => {
    expectProblem(asResponse(await user.device.pending(undefined, '')), 401, 'VER_0060');
    const res = asResponse(await user.device.pending(undefined, `Bearer ${user.token}`));
    expectProblem(res, 401, 'VER_0060');
    expect(res.headers.get('www-authenticate')).toMatch(/^Device/);
  });

  it('accepts a device token once: a replayed jti is 401 VER_0062', async () => {
    const token = await user.device.token();
    expect((await user.device.pending(undefined, `Device ${token}`)).response.status).toBe(200);
    expectProblem(asResponse(await user.device.pending(undefined, `Device ${token}`)), 401, 'VER_0062');
  });

  it('refuses tokens for another audience, living over 5 minutes, or expired, with 401 VER_0061', async () => {
    expectProblem(asResponse(await user.device.pending(undefined, `Device ${await user.device.token({ aud: 'elsewhere' })}`)), 401, 'VER_0061');
    expectProblem(asResponse(await user.device.pending(undefined, `Device ${await user.device.token({ lifetimeS: 301 })}`)), 401, 'VER_0061');
    const stale = await user.device.token({ lifetimeS: 30 });
    server.clock.advance(31_000);
    expectProblem(asResponse(await user.device.pending(undefined, `Device ${stale}`)), 401, 'VER_0061');
  });

  it("refuses a token naming the victim's device but signed by another key with 401 VER_0061", async () => {
    const rogue = await pushUser(server, { prefix: 'push-rogue' });
    const forged = rogue.device.on(server.url);
    forged.phId = user.device.phId;
    expectProblem(asResponse(await forged.pending()), 401, 'VER_0061');
  });
});

describe('PUSH sign-in challenges', () => {
  it('shows the number on the sign-in screen only; the device sees message and details, never the number or hidden details', async () => {
    const user = await pushUser(server, { prefix: 'push-show' });
    const offer = await challengeFor(user, { message: 'Sign in to Acme', details: { City: 'Berlin' }, hidden_details: { ip: '198.51.100.4' } });
    expect(offer).toMatchObject({ type: 'PUSH', number: expect.stringMatching(/^[0-9]{2}$/) });
    const seen = await user.device.pending();
    expect(seen.data!.challenges).toEqual([
      expect.objectContaining({ exchange_id: offer.exchange_id.exchange_id, message: 'Sign in to Acme', details: { City: 'Berlin' }, number_matching: true }),
    ]);
    expect(JSON.stringify(seen.data)).not.toContain('198.51.100.4');
  });

  it('lasts 120 s unless asked otherwise, and refuses more than 600 s or more than 20 details with 400 VER_0001', async () => {
    const user = await pushUser(server, { prefix: 'push-life' });
    server.clock.freeze();
    try {
      const offer = await challengeFor(user);
      expect(new Date(offer.exchange_id.expires_at).getTime() - server.clock.now().getTime()).toBe(120_000);
    } finally {
      server.clock.resume();
    }
    expectProblem(await signIn().initiate(user.token, { message: 'x', expires_in: 601 }), 400, 'VER_0001');
    const details = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    expectProblem(await signIn().initiate(user.token, { message: 'x', details }), 400, 'VER_0001');
  });

  it('denies an approval with a wrong number: watchers see DENIED and collecting it is 409 VER_0028', async () => {
    const user = await pushUser(server, { prefix: 'push-wrong' });
    const offer = await challengeFor(user);
    const socket = await TestSocket.open(wsUrl(server.url, `?status_id=${offer.status_id}`));
    await socket.next();
    const wrong = String((Number(offer.number) + 1) % 100).padStart(2, '0');
    const res = await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: wrong });
    expect(res.data).toEqual({ status: 'DENIED', status_id: offer.status_id, reason: 'wrong_number' });
    expect((await socket.next()).data?.status).toBe('DENIED');
    await socket.close();
    expectProblem(await signIn().collect(user.token, offer.exchange_id.exchange_id), 409, 'VER_0028');
  });

  it('denies an approval without the number', async () => {
    const user = await pushUser(server, { prefix: 'push-nonum' });
    const offer = await challengeFor(user);
    const res = await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve' });
    expect(res.data).toMatchObject({ status: 'DENIED', reason: 'wrong_number' });
  });

  it('answers a collection before the device answered with 409 VER_0029', async () => {
    const user = await pushUser(server, { prefix: 'push-early' });
    const offer = await challengeFor(user);
    expectProblem(await signIn().collect(user.token, offer.exchange_id.exchange_id), 409, 'VER_0029');
  });

  it('takes one answer: a second one, or the same one replayed, is 409 VER_0025', async () => {
    const user = await pushUser(server, { prefix: 'push-once' });
    const offer = await challengeFor(user);
    const approval = await user.device.signAnswer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    expect((await user.device.postAnswer(approval)).data?.status).toBe('AUTHENTICATED');
    expectProblem(asResponse(await user.device.postAnswer(approval)), 409, 'VER_0025');
    expectProblem(asResponse(await user.device.answer(offer.exchange_id.exchange_id, { decision: 'deny' })), 409, 'VER_0025');
  });

  it('decides 20 parallel answers to one challenge exactly once', async () => {
    const user = await pushUser(server, { prefix: 'push-race' });
    const offer = await challengeFor(user);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        user.device.answer(offer.exchange_id.exchange_id, i % 2 === 0 ? { decision: 'approve', number: offer.number } : { decision: 'deny' }),
      ),
    );
    const statuses = answers.map((a) => a.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const decided = answers.find((a) => a.response.status === 200)!.data!.status;
    expect(await statusOf(offer.status_id)).toBe(decided);
  });

  it('hands an approved challenge to one of 10 parallel collections; the others get 409 VER_0025', async () => {
    const user = await pushUser(server, { prefix: 'push-collect' });
    const offer = await challengeFor(user, { message: 'Sign in', hidden_details: { ip: '198.51.100.9' } });
    expect((await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number })).data?.status).toBe('AUTHENTICATED');
    const collections = await Promise.all(Array.from({ length: 10 }, () => signIn().collect(user.token, offer.exchange_id.exchange_id)));
    const handedOut = collections.filter((c) => c.status === 200);
    expect(handedOut).toHaveLength(1);
    expect(handedOut[0]!.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: user.device.phId, status_id: offer.status_id, hidden_details: { ip: '198.51.100.9' } });
    for (const refused of collections.filter((c) => c.status !== 200)) expectProblem(refused, 409, 'VER_0025');
  });

  it("refuses another user's device answering a challenge with 404 VER_0023, leaving it pending", async () => {
    const victim = await pushUser(server, { prefix: 'push-victim' });
    const rogue = await pushUser(server, { prefix: 'push-rogue2', tenant: 'other-tenant' });
    const offer = await challengeFor(victim);
    expectProblem(asResponse(await rogue.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number })), 404, 'VER_0023');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
    expect((await rogue.device.pending()).data).toEqual({ challenges: [] });
  });

  it("refuses an answer forged under the victim's device id with 400 VER_0065", async () => {
    const victim = await pushUser(server, { prefix: 'push-forge' });
    const rogue = await pushUser(server, { prefix: 'push-forger' });
    const offer = await challengeFor(victim);
    const forged = await rogue.device.signAnswer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number, kid: victim.device.phId });
    expectProblem(asResponse(await rogue.device.postAnswer(forged)), 400, 'VER_0065');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('refuses an answer that expired, or that lives longer than 5 minutes, with 400 VER_0065', async () => {
    const user = await pushUser(server, { prefix: 'push-stale' });
    const offer = await challengeFor(user);
    expectProblem(asResponse(await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number, lifetimeS: 301 })), 400, 'VER_0065');
    const stale = await user.device.signAnswer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number, lifetimeS: 5 });
    server.clock.advance(6_000);
    expectProblem(asResponse(await user.device.postAnswer(stale)), 400, 'VER_0065');
  });

  it('refuses an answer to an expired challenge with 409 VER_0024', async () => {
    const user = await pushUser(server, { prefix: 'push-late' });
    const offer = await challengeFor(user, { message: 'x', expires_in: 10 });
    server.clock.advance(11_000);
    expectProblem(asResponse(await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number })), 409, 'VER_0024');
    expect(await statusOf(offer.status_id)).toBe('EXPIRED');
  });

  it("keeps another tenant's token and a status-id holder from collecting (404 VER_0023)", async () => {
    const user = await pushUser(server, { prefix: 'push-collect' });
    const offer = await challengeFor(user);
    await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    const stranger = await server.token({ sub: user.sub, tenant: 'another-tenant' });
    expectProblem(await signIn().collect(stranger, offer.exchange_id.exchange_id), 404, 'VER_0023');
    expectProblem(await signIn().collect(user.token, offer.status_id), 404, 'VER_0023');
    expect((await signIn().collect(user.token, offer.exchange_id.exchange_id)).status).toBe(200);
  });

  it('stops showing a cancelled challenge to the device', async () => {
    const user = await pushUser(server, { prefix: 'push-cancel' });
    const offer = await challengeFor(user);
    expect((await signIn().cancel(user.token, offer.exchange_id.exchange_id)).status).toBe(200);
    expect((await user.device.pending()).data).toEqual({ challenges: [] });
  });

  it('works without number matching when the tenant switches it off', async () => {
    const tenant = `nm-off-${randomUUID().slice(0, 6)}`;
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const put = await request(`${server.url}/verification-srv/config/push`, { method: 'PUT', token: admin, body: { settings: { number_matching: false } } });
    expect(put.status).toBe(200);
    const user = await pushUser(server, { prefix: 'push-nm', tenant });
    const offer = await challengeFor(user);
    expect(offer).not.toHaveProperty('number');
    expect((await user.device.pending()).data!.challenges[0]).toMatchObject({ number_matching: false });
    expect((await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve' })).data?.status).toBe('AUTHENTICATED');
  });
});

describe('a flood of forged answers and device requests', () => {
  it('changes nothing: 40 forged answers and 40 bad device tokens are refused, and the user still approves', async () => {
    const victim = await pushUser(server, { prefix: 'push-flood-victim' });
    const attacker = await pushUser(server, { prefix: 'push-flood-attacker' });
    const offer = await challengeFor(victim);
    const forged = Array.from({ length: 40 }, async (_, i) =>
      attacker.device.postAnswer(await attacker.device.signAnswer(offer.exchange_id.exchange_id, { decision: i % 2 ? 'deny' : 'approve', number: offer.number, kid: victim.device.phId })),
    );
    const polls = Array.from({ length: 40 }, async () => {
      const twin = attacker.device.on(server.url);
      twin.phId = victim.device.phId;
      return twin.pending();
    });
    const [answers, tokens] = await Promise.all([Promise.all(forged), Promise.all(polls)]);
    expect(new Set(answers.map((a) => a.response.status))).toEqual(new Set([400]));
    expect(new Set(tokens.map((t) => t.response.status))).toEqual(new Set([401]));
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
    expect((await victim.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number })).data?.status).toBe('AUTHENTICATED');
  });
});

describe('push-fatigue defences', () => {
  it('refuses a fourth pending challenge with 429 VER_0066', async () => {
    const user = await pushUser(server, { prefix: 'push-flood' });
    for (let i = 0; i < 3; i++) await challengeFor(user);
    const res = await signIn().initiate(user.token);
    expectProblem(res, 429, 'VER_0066');
    expect(res.headers.get('retry-after')).toBeTruthy();
  });

  it('locks PUSH for 15 minutes after three denials within 10 minutes (429 VER_0067)', async () => {
    const user = await pushUser(server, { prefix: 'push-deny3' });
    for (let i = 0; i < 3; i++) {
      const offer = await challengeFor(user);
      expect((await user.device.answer(offer.exchange_id.exchange_id, { decision: 'deny' })).data?.status).toBe('DENIED');
    }
    const locked = await signIn().initiate(user.token);
    expectProblem(locked, 429, 'VER_0067');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(890);
    server.clock.advance(15 * 60_000 + 1_000);
    expect((await signIn().initiate(user.token)).status).toBe(201);
  });

  it('locks PUSH at once when an answer reports fraud, and cancels the other waiting prompts', async () => {
    const user = await pushUser(server, { prefix: 'push-fraud' });
    const offer = await challengeFor(user);
    const other = await challengeFor(user);
    const res = await user.device.answer(offer.exchange_id.exchange_id, { decision: 'deny', reason: 'fraud' });
    expect(res.data).toMatchObject({ status: 'DENIED', reason: 'fraud' });
    expect(await statusOf(other.status_id)).toBe('CANCELLED');
    expect((await user.device.pending()).data).toEqual({ challenges: [] });
    expectProblem(await signIn().initiate(user.token), 429, 'VER_0067');
  });
});

describe('the device over the status WebSocket', () => {
  it('receives its pending challenges when it subscribes, each new one at once, and the status of each', async () => {
    const user = await pushUser(server, { prefix: 'push-ws' });
    const first = await challengeFor(user, { message: 'first' });
    const socket = await TestSocket.open(wsUrl(server.url));
    socket.send({ type: 'subscribe_device', token: await user.device.token() });
    const listed = (await socket.next()) as unknown as { type: string; challenges: { exchange_id: string; message: string }[] };
    expect(listed).toMatchObject({ type: 'push_challenges', challenges: [{ exchange_id: first.exchange_id.exchange_id, message: 'first' }] });
    expect(JSON.stringify(listed)).not.toContain(`"number":`);
    expect((await socket.next()).data).toMatchObject({ id: first.status_id, status: 'INITIATED' });

    const second = await challengeFor(user, { message: 'second' });
    const updated = (await socket.next()) as unknown as { type: string; challenges: { message: string }[] };
    expect(updated.challenges.map((c) => c.message)).toEqual(['first', 'second']);
    expect((await socket.next()).data).toMatchObject({ id: second.status_id, status: 'INITIATED' });

    await user.device.answer(second.exchange_id.exchange_id, { decision: 'approve', number: second.number });
    expect((await socket.next()).data).toMatchObject({ id: second.status_id, status: 'AUTHENTICATED' });
    await socket.close();
  });

  it('refuses a replayed or missing device token with an error message', async () => {
    const user = await pushUser(server, { prefix: 'push-ws-bad' });
    const token = await user.device.token();
    expect((await user.device.pending(undefined, `Device ${token}`)).response.status).toBe(200);
    const socket = await TestSocket.open(wsUrl(server.url));
    socket.send({ type: 'subscribe_device', token });
    expect((await socket.next()).error).toMatchObject({ status: 401, code: 'VER_0062' });
    socket.send({ type: 'subscribe_device', token: 'not-a-token' });
    expect((await socket.next()).error).toMatchObject({ status: 401, code: 'VER_0061' });
    await socket.close();
  });

  it('sends a removed device no more challenges: its feed ends with VER_0061 when it is removed', async () => {
    const user = await pushUser(server, { prefix: 'push-ws-removed' });
    const tablet = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    const stepUp = await steppedUpToken(server, { sub: user.sub });
    expect((await tablet.enroll((await initiatePushEnrollment(server, stepUp)).body.push_uri)).response.status).toBe(200);
    const socket = await TestSocket.open(wsUrl(server.url));
    socket.send({ type: 'subscribe_device', token: await tablet.token() });
    expect(await socket.next()).toMatchObject({ type: 'push_challenges', challenges: [] });
    const removed = await request(`${server.url}/verification-actions-srv/devices/${tablet.phId}`, { method: 'DELETE', token: stepUp });
    expect(removed.status).toBe(204);
    expect((await socket.next()).error).toMatchObject({ status: 401, code: 'VER_0061' });

    const offer = await challengeFor(user);
    await socket.expectSilence(300);
    await socket.close();
    expect((await user.device.pending()).data!.challenges.map((c) => c.exchange_id)).toEqual([offer.exchange_id.exchange_id]);
  });

  it("hears nothing of another user's challenges", async () => {
    const user = await pushUser(server, { prefix: 'push-ws-mine' });
    const other = await pushUser(server, { prefix: 'push-ws-other' });
    const socket = await TestSocket.open(wsUrl(server.url));
    socket.send({ type: 'subscribe_device', token: await user.device.token() });
    expect(await socket.next()).toMatchObject({ type: 'push_challenges', challenges: [] });
    await challengeFor(other);
    await socket.expectSilence(300);
    await socket.close();
  });
});

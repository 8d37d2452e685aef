import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditClient } from '../../helpers/audit.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { SimulatedPushDevice } from '../../helpers/push-device.ts';
import { initiatePushEnrollment, pushSignIn, pushUser, startedChallenge, type PushUser } from '../../helpers/push-user.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// Removing a PUSH device (issue 10 follow-up): the challenges no remaining device can answer are
// cancelled in the removal's transaction, announced at once, and the removed device's feed ends.
// Real HTTP, PostgreSQL and WebSocket, against the attackers of THREATS.md.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { INITIATION_RATE_LIMIT: '0' } });
});
afterAll(() => server?.close());

const signIn = () => pushSignIn(server);
const challengeFor = async (user: PushUser) => startedChallenge(await signIn().initiate(user.token));
const stepUpOf = (user: PushUser) => steppedUpToken(server, { sub: user.sub, tenant: user.tenant });
const adminOf = (tenant: string) => server.token({ sub: uniqueSub('admin'), tenant, scope: 'verification:admin' });

function removeDevice(token: string, phId: string) {
  return request(`${server.url}/verification-actions-srv/devices/${phId}`, { method: 'DELETE', token });
}

async function statusOf(statusId: string): Promise<string> {
  return (await request<{ status: string }>(`${server.url}/verification-srv/verificationstatus/${statusId}`)).body.status;
}

/** The sign-in page's status WebSocket on a challenge, past its INITIATED snapshot. */
async function watchStatus(statusId: string): Promise<TestSocket> {
  const socket = await TestSocket.open(wsUrl(server.url));
  socket.send({ type: 'subscribe', status_ids: [statusId] });
  expect((await socket.next()).data).toMatchObject({ id: statusId, status: 'INITIATED' });
  return socket;
}

/** A second PUSH device enrolled for the user. */
async function secondDevice(user: PushUser): Promise<SimulatedPushDevice> {
  const tablet = await SimulatedPushDevice.create(server.url, () => server.clock.now());
  const offer = await initiatePushEnrollment(server, await stepUpOf(user));
  expect((await tablet.enroll(offer.body.push_uri)).response.status).toBe(200);
  return tablet;
}

describe('removing the last PUSH device', () => {
  it('cancels the waiting challenges: the sign-in page sees CANCELLED at once and collecting is 409 VER_0026', async () => {
    const user = await pushUser(server, { prefix: 'rm-last' });
    const offer = await challengeFor(user);
    const page = await watchStatus(offer.status_id);

    expect((await removeDevice(await stepUpOf(user), user.device.phId!)).status).toBe(204);

    expect((await page.next()).data).toMatchObject({ id: offer.status_id, status: 'CANCELLED' });
    await page.close();
    expect(await statusOf(offer.status_id)).toBe('CANCELLED');
    expectProblem(await signIn().collect(user.token, offer.exchange_id.exchange_id), 409, 'VER_0026');
  });

  it('records each cancellation in the audit trail, with the removal', async () => {
    const tenant = uniqueSub('rm-audit-tenant');
    const user = await pushUser(server, { prefix: 'rm-audit', tenant });
    const offer = await challengeFor(user);
    expect((await removeDevice(await stepUpOf(user), user.device.phId!)).status).toBe(204);
    const admin = await adminOf(tenant);
    const rows = (await auditClient(server).list(admin, 'order=asc&limit=200')).body.items.map((r) => [r.event, r.status_id ?? null]);
    expect(rows.filter(([event]) => event === 'challenge.cancelled' || event === 'factor.removed')).toEqual([
      ['challenge.cancelled', offer.status_id],
      ['factor.removed', null],
    ]);
  });

  it('cancels them on an admin recovery delete too', async () => {
    const user = await pushUser(server, { prefix: 'rm-admin', tenant: 'rm-recovery' });
    const offer = await challengeFor(user);
    expect((await removeDevice(await adminOf('rm-recovery'), user.device.phId!)).status).toBe(204);
    expect(await statusOf(offer.status_id)).toBe('CANCELLED');
  });

  it('ends the removed device\'s WebSocket feed at once with VER_0061, without waiting for a new challenge', async () => {
    const user = await pushUser(server, { prefix: 'rm-feed' });
    const offer = await challengeFor(user);
    const feed = await user.device.listen();
    expect(await feed.next()).toMatchObject({ type: 'push_challenges', challenges: [{ status_id: offer.status_id }] });
    expect((await feed.next()).data).toMatchObject({ id: offer.status_id, status: 'INITIATED' });

    expect((await removeDevice(await stepUpOf(user), user.device.phId!)).status).toBe(204);

    // The challenge's end and the feed's end travel on separate channels: either may come first.
    const seen = [await feed.next(), await feed.next(), await feed.next()];
    expect(seen.map((m) => m.data?.status ?? m.error?.code ?? m.reason).sort()).toEqual(['CANCELLED', 'VER_0061', 'terminal']);
    await feed.expectSilence(300);
    await feed.close();
  });

  it("ends the removed device's long poll at once with 401 VER_0061", async () => {
    const user = await pushUser(server, { prefix: 'rm-poll' });
    const poll = user.device.pending(20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    expect((await removeDevice(await stepUpOf(user), user.device.phId!)).status).toBe(204);
    const res = await poll;
    expect(res.response.status).toBe(401);
    expect(res.error).toMatchObject({ code: 'VER_0061' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses an answer the removed device signed before its removal (400 VER_0065)', async () => {
    const user = await pushUser(server, { prefix: 'rm-answer' });
    const offer = await challengeFor(user);
    const signed = await user.device.signAnswer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    expect((await removeDevice(await stepUpOf(user), user.device.phId!)).status).toBe(204);
    const res = await user.device.postAnswer(signed);
    expect(res.response.status).toBe(400);
    expect(res.error).toMatchObject({ code: 'VER_0065' });
    expect(await statusOf(offer.status_id)).toBe('CANCELLED');
  });
});

describe('removing one of two PUSH devices', () => {
  it('leaves the challenges waiting for the other, which can still approve them', async () => {
    const user = await pushUser(server, { prefix: 'rm-one' });
    const tablet = await secondDevice(user);
    const offer = await challengeFor(user);
    expect((await removeDevice(await stepUpOf(user), tablet.phId!)).status).toBe(204);
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
    const answered = await user.device.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    expect(answered.data).toMatchObject({ status: 'AUTHENTICATED' });
  });

  it('refuses the removed one though it was heard from before: its next poll is 401 VER_0061, its approval 400 VER_0065', async () => {
    const user = await pushUser(server, { prefix: 'rm-known' });
    const tablet = await secondDevice(user);
    const offer = await challengeFor(user);
    expect((await tablet.nextChallenge()).exchange_id).toBe(offer.exchange_id.exchange_id);
    expect((await removeDevice(await stepUpOf(user), tablet.phId!)).status).toBe(204);
    const poll = await tablet.pending();
    expect(poll.response.status).toBe(401);
    expect(poll.error).toMatchObject({ code: 'VER_0061' });
    const answered = await tablet.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    expect(answered.response.status).toBe(400);
    expect(answered.error).toMatchObject({ code: 'VER_0065' });
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('cancels them once the second is removed too', async () => {
    const user = await pushUser(server, { prefix: 'rm-both' });
    const tablet = await secondDevice(user);
    const offer = await challengeFor(user);
    const token = await stepUpOf(user);
    expect((await removeDevice(token, tablet.phId!)).status).toBe(204);
    expect((await removeDevice(token, user.device.phId!)).status).toBe(204);
    expect(await statusOf(offer.status_id)).toBe('CANCELLED');
  });
});

describe('attackers of a removal', () => {
  it('a stolen first-factor token cannot remove the device (401 VER_0014): the challenge keeps waiting', async () => {
    const user = await pushUser(server, { prefix: 'rm-thief' });
    const offer = await challengeFor(user);
    expectProblem(await removeDevice(user.token, user.device.phId!), 401, 'VER_0014');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it("another tenant's admin gets 404 VER_0044: the challenge keeps waiting", async () => {
    const user = await pushUser(server, { prefix: 'rm-foreign', tenant: 'rm-home' });
    const offer = await challengeFor(user);
    expectProblem(await removeDevice(await adminOf('rm-elsewhere'), user.device.phId!), 404, 'VER_0044');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('a status-id holder cannot remove anything with it (404 VER_0044)', async () => {
    const user = await pushUser(server, { prefix: 'rm-status' });
    const offer = await challengeFor(user);
    const other = await pushUser(server, { prefix: 'rm-holder' });
    expectProblem(await removeDevice(await stepUpOf(other), offer.status_id), 404, 'VER_0044');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('a flood of removals of one device: one 204, the rest 404, and the challenge cancelled once', async () => {
    const user = await pushUser(server, { prefix: 'rm-flood' });
    const offer = await challengeFor(user);
    const page = await watchStatus(offer.status_id);
    const token = await stepUpOf(user);
    const results = await Promise.all(Array.from({ length: 10 }, () => removeDevice(token, user.device.phId!)));
    expect(results.map((r) => r.status).sort()).toEqual([204, ...Array<number>(9).fill(404)]);
    expect((await page.next()).data).toMatchObject({ status: 'CANCELLED' });
    expect(await page.next()).toMatchObject({ type: 'unsubscribed', reason: 'terminal' });
    await page.expectSilence(200);
    await page.close();
  });

  it('a challenge started while the device is removed either fails with 409 VER_0043 or ends CANCELLED, never left waiting', async () => {
    for (let round = 0; round < 10; round++) {
      const user = await pushUser(server, { prefix: 'rm-race' });
      const [initiated, removed] = await Promise.all([signIn().initiate(user.token), removeDevice(await stepUpOf(user), user.device.phId!)]);
      expect(removed.status).toBe(204);
      if (initiated.status === 201) expect(await statusOf(initiated.body.status_id)).toBe('CANCELLED');
      else expectProblem(initiated, 409, 'VER_0043');
    }
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { expectProblem, expectProblemDocument } from '../../helpers/problem.ts';
import { SimulatedPushDevice } from '../../helpers/push-device.ts';
import { initiatePushEnrollment, pushSignIn, pushUser, startedChallenge, type PushUser } from '../../helpers/push-user.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// PUSH's device endpoints against attackers push.test.ts leaves out: a status-id holder with
// the user's own device, a thief of the first-factor bearer token (HTTP and WebSocket), and a
// device enrolled for the same sub in another tenant. Real HTTP, PostgreSQL and WebSocket.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { INITIATION_RATE_LIMIT: '0' } });
});
afterAll(() => server?.close());

/** A response of the generated client, as expectProblem reads one. */
const asResponse = (res: { response: Response; error?: unknown }) => ({ status: res.response.status, headers: res.response.headers, body: res.error });

async function challengeFor(user: PushUser) {
  return startedChallenge(await pushSignIn(server).initiate(user.token));
}

async function statusOf(statusId: string): Promise<string> {
  const res = await request<{ status: string }>(`${server.url}/verification-srv/verificationstatus/${statusId}`);
  expect(res.status).toBe(200);
  return res.body.status;
}

/** A device enrolled for `sub` in `tenant` (the same person known to another tenant). */
async function deviceOf(sub: string, tenant: string): Promise<SimulatedPushDevice> {
  const offer = await initiatePushEnrollment(server, await server.token({ sub, tenant }));
  expect(offer.status).toBe(201);
  const device = await SimulatedPushDevice.create(server.url, () => server.clock.now());
  expect((await device.enroll(offer.body.push_uri)).response.status).toBe(200);
  return device;
}

describe('a status-id holder with the user\'s own device', () => {
  it('decides nothing by answering with the status_id instead of the exchange_id: 404 VER_0023, still INITIATED', async () => {
    const user = await pushUser(server, { prefix: 'pa-statusid' });
    const offer = await challengeFor(user);
    expect(offer.status_id).not.toBe(offer.exchange_id.exchange_id);
    const res = await user.device.answer(offer.status_id, { decision: 'approve', number: offer.number });
    expectProblem(asResponse(res), 404, 'VER_0023');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
    expect((await user.device.pending()).data!.challenges.map((c) => c.exchange_id)).toEqual([offer.exchange_id.exchange_id]);
  });
});

describe('a thief of the first-factor bearer token', () => {
  it('cannot read the pending challenges: 401 VER_0060 with a Device challenge', async () => {
    const user = await pushUser(server, { prefix: 'pa-bearer-read' });
    await challengeFor(user);
    const res = await request(`${server.url}/verification-srv/v2/devices/challenges`, { token: user.token });
    expectProblem(res, 401, 'VER_0060');
    expect(res.headers.get('www-authenticate')).toMatch(/^Device/);
  });

  it('cannot answer a challenge with the bearer token in place of a device JWS: 400 VER_0065, still INITIATED', async () => {
    const user = await pushUser(server, { prefix: 'pa-bearer-answer' });
    const offer = await challengeFor(user);
    const res = await request(`${server.url}/verification-srv/v2/authenticate/push/response`, { token: user.token, body: { response: user.token } });
    expectProblem(res, 400, 'VER_0065');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('cannot answer a challenge with the bearer header alone and no device JWS: 400 VER_0001, still INITIATED', async () => {
    const user = await pushUser(server, { prefix: 'pa-bearer-nobody' });
    const offer = await challengeFor(user);
    const res = await request(`${server.url}/verification-srv/v2/authenticate/push/response`, {
      token: user.token,
      body: { exchange_id: offer.exchange_id.exchange_id, decision: 'approve', number: offer.number },
    });
    expectProblem(res, 400, 'VER_0001');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });

  it('is refused with an error message when it subscribes as a device on the status WebSocket, and hears no challenge', async () => {
    const user = await pushUser(server, { prefix: 'pa-bearer-ws' });
    const waiting = await challengeFor(user);
    const socket = await TestSocket.open(wsUrl(server.url));
    try {
      socket.send({ type: 'subscribe_device', token: user.token });
      const refused = await socket.next();
      expect(refused.type).toBe('error');
      expectProblemDocument(refused.error, 401, 'VER_0061');
      const later = await challengeFor(user);
      await socket.expectSilence(500);
      expect(JSON.stringify(refused)).not.toContain(waiting.exchange_id.exchange_id);
      expect(JSON.stringify(refused)).not.toContain(later.exchange_id.exchange_id);
    } finally {
      await socket.close();
    }
  });
});

describe('a device of the same sub in another tenant', () => {
  it("sees none of this tenant's pending challenges", async () => {
    const user = await pushUser(server, { prefix: 'pa-tenant-read' });
    const stranger = await deviceOf(user.sub, `pa-other-${randomUUID().slice(0, 6)}`);
    const offer = await challengeFor(user);
    expect((await user.device.pending()).data!.challenges.map((c) => c.exchange_id)).toEqual([offer.exchange_id.exchange_id]);
    const seen = await stranger.pending();
    expect(seen.response.status).toBe(200);
    expect(seen.data).toEqual({ challenges: [] });
  });

  it("is refused when it answers this tenant's challenge: 404 VER_0023, still INITIATED", async () => {
    const user = await pushUser(server, { prefix: 'pa-tenant-answer' });
    const stranger = await deviceOf(user.sub, `pa-other-${randomUUID().slice(0, 6)}`);
    const offer = await challengeFor(user);
    const res = await stranger.answer(offer.exchange_id.exchange_id, { decision: 'approve', number: offer.number });
    expectProblem(asResponse(res), 404, 'VER_0023');
    expect(await statusOf(offer.status_id)).toBe('INITIATED');
  });
});

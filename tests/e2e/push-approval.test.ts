import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerificationClient, type components, type VerificationClient } from '../../clients/verification-client.ts';
import { contractFetch } from '../helpers/http.ts';
import { SimulatedPushDevice, readPushUri } from '../helpers/push-device.ts';
import { decodeQrDataUrl } from '../helpers/qr.ts';
import { startInstances, type Instances } from '../helpers/instances.ts';
import { withAssertion } from '../helpers/step-up.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../helpers/ws-client.ts';

// PUSH approval end to end (DESIGN §10, seed 001) over real HTTP and WebSocket, across two
// instances sharing one database: the profile UI and the sign-in page talk to one, the device
// and the watchers to the other. The generated client drives every call.
let cluster: Instances;
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  cluster = await startInstances(2);
  [a, b] = cluster.servers as [TestServer, TestServer];
});
afterAll(() => cluster?.close());

const push = { params: { path: { method: 'push' } } } as const;

async function userClient(server: TestServer, sub: string): Promise<VerificationClient> {
  return createVerificationClient({ baseUrl: server.url, token: await server.token({ sub, tenant: 'e2e-push' }), fetch: contractFetch });
}

function pushOffer(offer: components['schemas']['InitiationResult'] | undefined): components['schemas']['PushEnrollmentOffer'] {
  if (!offer || !('push_uri' in offer)) throw new Error('not a PUSH enrollment offer');
  return offer;
}

function pushChallenge(offer: components['schemas']['ChallengeOffer'] | undefined): components['schemas']['PushChallengeOffer'] {
  if (!offer || offer.type !== 'PUSH') throw new Error('not a PUSH challenge');
  return offer as components['schemas']['PushChallengeOffer'];
}

async function watch(server: TestServer, statusId: string): Promise<TestSocket> {
  const socket = await TestSocket.open(wsUrl(server.url, `?status_id=${statusId}`));
  expect((await socket.next()).data?.status).toBe('INITIATED');
  return socket;
}

describe('PUSH approval on the companion app, across two instances', () => {
  it('enrolls a device by QR code, approves a sign-in with the typed number, and removes the device', async () => {
    const sub = 'pia';
    const profile = await userClient(a, sub);

    // Enrollment: the profile UI on A shows the QR code; watchers on B follow it.
    const initiated = await profile.POST('/verification-actions-srv/setup/{method}/initiation', { ...push, body: {} });
    expect(initiated.response.status).toBe(201);
    const offer = pushOffer(initiated.data);
    expect(decodeQrDataUrl(offer.qr_code!)).toBe(offer.push_uri);
    expect(readPushUri(offer.push_uri)).toMatchObject({ t: 'push', tk: 'e2e-push', sub, cid: offer.authenticator_client_id, eid: offer.exchange_id.exchange_id });
    expect(offer.push_uri).not.toMatch(/secret=/);
    const enrollmentWatch = await watch(b, offer.status_id);

    const device = await SimulatedPushDevice.create(b.url, () => b.clock.now());
    const enrolled = await device.enroll(offer.push_uri);
    expect(enrolled.data).toMatchObject({ status: 'ENROLLED', verification_type: 'PUSH', device_id: device.deviceId, sub });
    expect((await enrollmentWatch.take(2)).map((m) => m.data?.status)).toEqual(['SCANNED', 'ENROLLED']);
    await enrollmentWatch.close();

    // Sign-in: the device long-polls B before the sign-in page on A starts the challenge.
    const polling = device.nextChallenge(10);
    const signInPage = await userClient(a, sub);
    const started = await signInPage.POST('/verification-srv/authentication/{method}/initiation', {
      ...push,
      body: { message: 'Sign in to Acme', details: { Browser: 'Firefox on Linux' }, hidden_details: { ip: '203.0.113.7' } },
    });
    expect(started.response.status).toBe(201);
    const challenge = pushChallenge(started.data);
    expect(challenge.number).toMatch(/^[0-9]{2}$/);
    const signInWatchB = await watch(b, challenge.status_id);
    const signInWatchA = await watch(a, challenge.status_id);

    const received = await polling;
    expect(received).toMatchObject({
      exchange_id: challenge.exchange_id.exchange_id,
      status_id: challenge.status_id,
      message: 'Sign in to Acme',
      details: { Browser: 'Firefox on Linux' },
      number_matching: true,
    });
    expect(JSON.stringify(received)).not.toContain('203.0.113.7');
    expect(received).not.toHaveProperty('number');

    // The user types the number the sign-in screen shows.
    const answered = await device.answer(received.exchange_id, { decision: 'approve', number: challenge.number });
    expect(answered.data).toEqual({ status: 'AUTHENTICATED', status_id: challenge.status_id });
    for (const socket of [signInWatchA, signInWatchB]) {
      expect((await socket.next()).data).toMatchObject({ status: 'AUTHENTICATED', ph_id: device.phId });
      await socket.close();
    }

    // The sign-in page (on B now) collects the result once.
    const onB = await userClient(b, sub);
    const collected = await onB.POST('/verification-srv/authentication/{method}/verification', { ...push, body: { exchange_id: challenge.exchange_id.exchange_id } });
    expect(collected.data).toMatchObject({ status: 'AUTHENTICATED', verification_type: 'PUSH', ph_id: device.phId, status_id: challenge.status_id, hidden_details: { ip: '203.0.113.7' } });
    const again = await onB.POST('/verification-srv/authentication/{method}/verification', { ...push, body: { exchange_id: challenge.exchange_id.exchange_id } });
    expect(again.error).toMatchObject({ status: 409, code: 'VER_0025' });

    // The devices list shows it with its friendly name; removing it (with step-up) stops it.
    const renamed = await profile.PUT('/verification-actions-srv/setup/users/friendlyname/{method}', { ...push, body: { ph_id: device.phId!, friendly_name: 'Pia’s phone' } });
    expect(renamed.response.status).toBe(200);
    const devices = await profile.GET('/verification-actions-srv/devices');
    expect(devices.data).toEqual([expect.objectContaining({ ph_id: device.phId, verification_type: 'PUSH', device_id: device.deviceId, friendly_name: 'Pia’s phone' })]);
    const removed = await profile.DELETE('/verification-actions-srv/devices/{ph_id}', {
      params: { path: { ph_id: device.phId! }, header: withAssertion(collected.data!.assertion) as { 'Verification-Assertion': string } },
    });
    expect(removed.response.status).toBe(204);
    const afterRemoval = await device.pending();
    expect(afterRemoval.error).toMatchObject({ status: 401, code: 'VER_0061' });
  });

  it('listens over the WebSocket on one instance, denies a challenge started on the other, then reports one as fraud', async () => {
    const sub = 'paz';
    const profile = await userClient(a, sub);
    const offer = pushOffer((await profile.POST('/verification-actions-srv/setup/{method}/initiation', { ...push, body: {} })).data);
    const device = await SimulatedPushDevice.create(a.url, () => a.clock.now(), 'EdDSA');
    expect((await device.enroll(offer.push_uri)).data?.status).toBe('ENROLLED');
    const feed = await device.listen();
    expect(await feed.next()).toMatchObject({ type: 'push_challenges', challenges: [] });

    const signInPage = await userClient(b, sub);
    const start = async (message: string) =>
      pushChallenge((await signInPage.POST('/verification-srv/authentication/{method}/initiation', { ...push, body: { message } })).data);

    const first = await start('Was this you?');
    const listed = (await feed.next()) as unknown as { type: string; challenges: { exchange_id: string; message: string }[] };
    expect(listed.challenges).toEqual([expect.objectContaining({ exchange_id: first.exchange_id.exchange_id, message: 'Was this you?' })]);
    expect((await feed.next()).data).toMatchObject({ id: first.status_id, status: 'INITIATED' });
    const watcherOnB = await watch(b, first.status_id);
    expect((await device.answer(first.exchange_id.exchange_id, { decision: 'deny' })).data).toMatchObject({ status: 'DENIED', reason: 'user_denied' });
    expect((await watcherOnB.next()).data?.status).toBe('DENIED');
    expect((await feed.next()).data).toMatchObject({ id: first.status_id, status: 'DENIED' });
    await watcherOnB.close();
    const denied = await signInPage.POST('/verification-srv/authentication/{method}/verification', { ...push, body: { exchange_id: first.exchange_id.exchange_id } });
    expect(denied.error).toMatchObject({ status: 409, code: 'VER_0028' });

    const second = await start('Sign in from an unknown place');
    const next = (await feed.take(3)).find((m) => m.type === 'push_challenges') as unknown as { challenges: { exchange_id: string }[] };
    expect(next.challenges.map((c) => c.exchange_id)).toEqual([second.exchange_id.exchange_id]);
    expect((await device.answer(second.exchange_id.exchange_id, { decision: 'deny', reason: 'fraud' })).data).toMatchObject({ status: 'DENIED', reason: 'fraud' });
    const locked = await signInPage.POST('/verification-srv/authentication/{method}/initiation', { ...push, body: { message: 'again' } });
    expect(locked.error).toMatchObject({ status: 429, code: 'VER_0067' });
    await feed.close();
  });
});

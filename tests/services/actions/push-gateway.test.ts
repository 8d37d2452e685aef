import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/env.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { SimulatedPushDevice } from '../../helpers/push-device.ts';
import { initiatePushEnrollment, pushSignIn, startedChallenge } from '../../helpers/push-user.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import { startTestServer, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestServer } from '../../helpers/test-server.ts';

// The push gateway (DESIGN §10, §13): with PUSH_WEBHOOK_URL set, every new challenge wakes each
// of the user's devices that registered a push id, by a POST signed as Standard Webhooks,
// verified here with the `standardwebhooks` package on the raw body.
const SECRET = `whsec_${Buffer.from('push-gateway-signing-secret-32b!').toString('base64')}`;
let gateway: HttpReceiver;
let server: TestServer;
beforeAll(async () => {
  gateway = await startHttpReceiver();
  server = await startTestServer({ env: { PUSH_WEBHOOK_URL: `${gateway.url}/wake`, WEBHOOK_SECRET: SECRET, OUTBOX_POLL_INTERVAL_MS: '50' } });
});
afterAll(async () => {
  await server?.close();
  await gateway?.close();
});

describe('the push gateway', () => {
  it('wakes each device with a push id by a signed POST that carries neither the number nor the exchange id', async () => {
    const sub = uniqueSub('push-gw');
    const token = await server.token({ sub });
    const phone = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    phone.pushId = 'fcm:phone-token';
    expect((await phone.enroll((await initiatePushEnrollment(server, token)).body.push_uri)).response.status).toBe(200);
    const tablet = await SimulatedPushDevice.create(server.url, () => server.clock.now());
    const second = await initiatePushEnrollment(server, await steppedUpToken(server, { sub }));
    expect((await tablet.enroll(second.body.push_uri)).response.status).toBe(200);
    const before = gateway.requests.length;

    const offer = startedChallenge(await pushSignIn(server).initiate(token, { message: 'Sign in to Acme' }));
    const [request] = (await gateway.waitForRequests(before + 1)).slice(before);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/wake');
    const verified = new Webhook(SECRET).verify(request!.rawBody, request!.headers as Record<string, string>) as Record<string, unknown>;
    expect(verified).toEqual({ type: 'push.challenge', push_id: 'fcm:phone-token', ph_id: phone.phId, message: 'Sign in to Acme', expires_at: offer.exchange_id.expires_at });
    expect(request!.rawBody).not.toContain(offer.exchange_id.exchange_id);
    expect(request!.rawBody).not.toContain(`"number"`);
    // The tablet registered no push id: it polls, and nothing else is sent for this challenge.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gateway.requests).toHaveLength(before + 1);
  });

  it('refuses to start with PUSH_WEBHOOK_URL but no WEBHOOK_SECRET', () => {
    const env = { JWT_SECRET: TEST_JWT_SECRET, SECRET_KEY: TEST_SECRET_KEY, PUSH_WEBHOOK_URL: 'http://127.0.0.1:9/wake' };
    expect(() => loadConfig(env)).toThrow(/WEBHOOK_SECRET/);
  });
});

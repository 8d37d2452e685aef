import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { postSignedJson, sendOutbound } from '../../../shared/outbound/outbound-request.ts';
import { signWebhook } from '../../../shared/outbound/sign-webhook.ts';
import { generateWebhookSecret, webhookSecretProblem } from '../../../shared/outbound/webhook-secret.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';

const DEVELOPMENT = { production: false, allowPrivate: false };
const PRODUCTION = { production: true, allowPrivate: false };

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function headersOf(request: { headers: Record<string, string | string[] | undefined> }): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
}

describe('Standard Webhooks signing', () => {
  it('is verified by the standardwebhooks package on the raw body the receiver got', async () => {
    receiver = await startHttpReceiver();
    const secret = generateWebhookSecret();
    const payload = { type: 'enrollment.enrolled', data: { sub: 'alice', note: 'ünïcödé ✓ "quoted"' } };
    const outcome = await postSignedJson({ url: `${receiver.url}/hook`, id: 'msg_2xQ9', payload, secrets: [secret] }, DEVELOPMENT);
    expect(outcome).toMatchObject({ kind: 'response', status: 204 });
    const [request] = await receiver.waitForRequests(1);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-id']).toBe('msg_2xQ9');
    expect(new Webhook(secret).verify(request!.rawBody, headersOf(request!))).toEqual(payload);
  });

  it('signs with every secret during a rotation, so holders of the old or the new one verify', async () => {
    receiver = await startHttpReceiver();
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    await postSignedJson({ url: receiver.url, id: 'msg_rot', payload: { n: 1 }, secrets: [oldSecret, newSecret] }, DEVELOPMENT);
    const [request] = await receiver.waitForRequests(1);
    const signatures = String(request!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(new Webhook(oldSecret).verify(request!.rawBody, headersOf(request!))).toEqual({ n: 1 });
    expect(new Webhook(newSecret).verify(request!.rawBody, headersOf(request!))).toEqual({ n: 1 });
    expect(() => new Webhook(generateWebhookSecret()).verify(request!.rawBody, headersOf(request!))).toThrow(/No matching signature/);
  });

  it('fails verification when a single byte of the body changes', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ amount: 1 });
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] });
    expect(() => new Webhook(secret).verify(body.replace('1', '2'), { ...headers })).toThrow();
  });

  it('computes v1 as base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the base64-decoded key', async () => {
    const key = randomBytes(32);
    const timestamp = new Date('2024-01-12T21:03:41Z');
    const headers = signWebhook({ id: 'msg_x', timestamp, body: '{"a":1}', secrets: [`whsec_${key.toString('base64')}`] });
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', key).update(`msg_x.${timestamp.getTime() / 1000}.{"a":1}`).digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'msg_x', 'webhook-timestamp': String(timestamp.getTime() / 1000), 'webhook-signature': `v1,${expected}` });
  });
});

describe('webhook secrets', () => {
  it.each([
    ['no prefix', Buffer.alloc(32).toString('base64')],
    ['not base64', 'whsec_not base64!!'],
    ['too short', `whsec_${Buffer.alloc(16).toString('base64')}`],
    ['too long', `whsec_${Buffer.alloc(65).toString('base64')}`],
    ['empty', 'whsec_'],
  ])('refuses %s', (_, secret) => {
    expect(webhookSecretProblem(secret)).toBeDefined();
  });

  it('accepts a freshly generated one', () => {
    expect(webhookSecretProblem(generateWebhookSecret())).toBeUndefined();
  });
});

describe('outbound requests', () => {
  it('refuses a loopback receiver in production without sending anything', async () => {
    receiver = await startHttpReceiver();
    const outcome = await sendOutbound({ url: receiver.url, headers: {}, body: '{}' }, PRODUCTION);
    expect(outcome).toMatchObject({ kind: 'error', error: 'address_refused' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('checks the address a name resolves to, not the name (localhost in production)', async () => {
    receiver = await startHttpReceiver();
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const outcome = await sendOutbound({ url, headers: {}, body: '{}' }, PRODUCTION);
    expect(outcome).toMatchObject({ kind: 'error', error: 'address_refused' });
    expect(receiver.requests).toHaveLength(0);
    expect(await sendOutbound({ url, headers: {}, body: '{}' }, DEVELOPMENT)).toMatchObject({ kind: 'response', status: 204 });
  });

  it('refuses an IPv4-mapped IPv6 loopback literal in production', async () => {
    const outcome = await sendOutbound({ url: 'http://[::ffff:127.0.0.1]:9/', headers: {}, body: '' }, PRODUCTION);
    expect(outcome).toMatchObject({ kind: 'error', error: 'address_refused' });
  });

  it('reports a receiver that does not answer in time as a timeout, without throwing', async () => {
    receiver = await startHttpReceiver(() => ({ status: 200, hold: true }));
    const outcome = await sendOutbound({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 300 }, DEVELOPMENT);
    expect(outcome).toMatchObject({ kind: 'error', error: 'timeout' });
  });

  it('reports a closed port as a connection error', async () => {
    receiver = await startHttpReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    expect(await sendOutbound({ url, headers: {}, body: '{}' }, DEVELOPMENT)).toMatchObject({ kind: 'error', error: 'connect' });
  });

  it('does not follow redirects (a redirect could point inside the network)', async () => {
    receiver = await startHttpReceiver(() => ({ status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data' } }));
    const outcome = await sendOutbound({ url: receiver.url, headers: {}, body: '{}' }, DEVELOPMENT);
    expect(outcome).toMatchObject({ kind: 'response', status: 307 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('returns an excerpt of an error answer', async () => {
    receiver = await startHttpReceiver(() => ({ status: 500, body: 'x'.repeat(10_000) }));
    const outcome = await sendOutbound({ url: receiver.url, headers: {}, body: '{}' }, DEVELOPMENT);
    expect(outcome.kind === 'response' && outcome.excerpt.length).toBe(300);
  });

  it('reports a request Node refuses to build (a header with a line break) as an outcome, not a throw', async () => {
    receiver = await startHttpReceiver();
    expect(await sendOutbound({ url: receiver.url, headers: { 'x-injected': 'a\r\nb: c' }, body: '' }, DEVELOPMENT)).toMatchObject({ kind: 'error', error: 'network' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports a URL that is not http(s) as invalid', async () => {
    expect(await sendOutbound({ url: 'file:///etc/passwd', headers: {}, body: '' }, DEVELOPMENT)).toMatchObject({ kind: 'error', error: 'invalid_url' });
  });
});

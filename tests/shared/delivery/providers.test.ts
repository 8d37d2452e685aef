import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_DELIVERY_ENV, queueCode, settledDelivery, TEST_WEBHOOK_SECRET } from '../../helpers/delivery.ts';
import { startHttpReceiver, type Answer, type HttpReceiver, type ReceivedRequest } from '../../helpers/http-receiver.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const TWILIO_SID = `AC${'a1'.repeat(16)}`;
const TWILIO_TOKEN = 'twilio-auth-token-0123456789';
const TELNYX_KEY = 'KEY0123456789ABCDEF_telnyx';
const PUBLIC_BASE_URL = 'https://login.acme.example';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function server(env: Record<string, string>): Promise<TestServer> {
  const started = await startTestServer({ env: { ...FAST_DELIVERY_ENV, PUBLIC_BASE_URL, ...env } });
  open.push(started);
  return started;
}

async function receiver(respond: (request: ReceivedRequest, index: number) => Answer): Promise<HttpReceiver> {
  const started = await startHttpReceiver(respond);
  open.push(started);
  return started;
}

async function smtp(reject?: (index: number) => number | undefined): Promise<SmtpSink> {
  const started = await startSmtpSink(reject);
  open.push(started);
  return started;
}

const twilioCreated = (index: number): Answer => ({
  status: 201,
  body: { sid: `SM${String(index).padStart(32, '0')}`, status: 'queued', num_segments: '1', error_code: null, error_message: null },
});

describe('smtp provider (a real SMTP session)', () => {
  it('sends a multipart email with the code, from EMAIL_FROM to the destination', async () => {
    const sink = await smtp();
    const app = await server({ EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'Acme Security <security@acme.example>' });
    const { messageId } = await queueCode(app, { channel: 'email', to: 'alice@example.com', code: '739215', purpose: 'enrollment' });
    const [mail] = await sink.waitForMails(1);
    expect(mail!.envelope).toEqual({ from: 'security@acme.example', to: ['alice@example.com'] });
    expect(mail!.parsed.subject).toBe('739215 is your Acme verification code');
    expect(mail!.parsed.from?.value).toEqual([{ address: 'security@acme.example', name: 'Acme Security' }]);
    expect(mail!.parsed.text).toContain('739215');
    expect(mail!.parsed.text).toContain('10 minutes');
    expect(mail!.parsed.text).toContain('Not you?');
    expect(mail!.parsed.html).toContain('739215');
    expect(mail!.parsed.html).toContain('Acme');
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'sent', channel: 'email', to: 'a•••@example.com', provider: 'smtp', attempts: 1 });
    expect(status.providerMessageId).toBe(mail!.parsed.messageId);
  });

  it('retries a temporary refusal (451) and then delivers', async () => {
    const sink = await smtp((index) => (index === 0 ? 451 : undefined));
    const app = await server({ EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'security@acme.example' });
    const { messageId } = await queueCode(app, { channel: 'email', to: 'bob@example.com' });
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(sink.mails).toHaveLength(1);
    const attempts = await app.deps.outbox.attempts(messageId);
    expect(attempts.map((a) => a.outcome)).toEqual(['retry', 'delivered']);
    expect(attempts[0]!.error).toMatch(/451/);
  });

  it('gives up at once on a permanent refusal (550), saying why', async () => {
    const sink = await smtp(() => 550);
    const app = await server({ EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'security@acme.example' });
    const { messageId } = await queueCode(app, { channel: 'email', to: 'carol@example.com' });
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'failed', attempts: 1 });
    expect(status.reason).toMatch(/550/);
  });
});

describe('twilio provider', () => {
  it('POSTs the Messages API exactly as Twilio documents it and records the sid', async () => {
    const api = await receiver((_, index) => twilioCreated(index));
    const app = await server({ SMS_PROVIDER: 'twilio', TWILIO_API_BASE: api.url, TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM: '+15005550006' });
    const { messageId } = await queueCode(app, { code: '904512' });
    const [request] = await api.waitForRequests(1);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(request!.rawBody));
    expect(form).toEqual({
      To: '+4915123456789',
      From: '+15005550006',
      Body: '904512 is your Acme verification code. It expires in 10 minutes. Do not share it.\n\n@login.acme.example #904512',
    });
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', provider: 'twilio', providerMessageId: `SM${'0'.repeat(32)}`, to: '+49•••••789' });
  });

  it('sends from a Messaging Service, with an API key as the basic-auth user', async () => {
    const api = await receiver((_, index) => twilioCreated(index));
    const service = `MG${'b2'.repeat(16)}`;
    const apiKey = `SK${'c3'.repeat(16)}`;
    const app = await server({
      SMS_PROVIDER: 'twilio',
      TWILIO_API_BASE: api.url,
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_API_KEY_SID: apiKey,
      TWILIO_API_KEY_SECRET: 'key-secret',
      TWILIO_MESSAGING_SERVICE_SID: service,
    });
    const { messageId } = await queueCode(app);
    const [request] = await api.waitForRequests(1);
    const form = new URLSearchParams(request!.rawBody);
    expect(form.get('MessagingServiceSid')).toBe(service);
    expect(form.has('From')).toBe(false);
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${apiKey}:key-secret`).toString('base64')}`);
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent' });
  });

  it("gives up on Twilio's 400 (invalid 'To'), recording its error code and message", async () => {
    const api = await receiver(() => ({
      status: 400,
      body: { code: 21211, message: "The 'To' number +4915123456789 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 },
    }));
    const app = await server({ SMS_PROVIDER: 'twilio', TWILIO_API_BASE: api.url, TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM: '+15005550006' });
    const { messageId } = await queueCode(app);
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'failed', attempts: 1 });
    expect(status.reason).toContain("twilio answered 400: 21211 The 'To' number");
    expect(api.requests).toHaveLength(1);
  });

  it('retries 429 and 5xx on the schedule, then gives up', async () => {
    const api = await receiver((_, index) =>
      index === 0 ? { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } } : { status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } },
    );
    const app = await server({ SMS_PROVIDER: 'twilio', TWILIO_API_BASE: api.url, TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM: '+15005550006' });
    const { messageId } = await queueCode(app);
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'failed', attempts: 6 });
    expect(status.reason).toMatch(/^gave up after 6 attempts: twilio answered 503/);
    const attempts = await app.deps.outbox.attempts(messageId);
    expect(attempts.map((a) => a.httpStatus)).toEqual([429, 503, 503, 503, 503, 503]);
    expect(api.requests).toHaveLength(6);
  });
});

describe('telnyx provider', () => {
  it('POSTs /v2/messages as Telnyx documents it and records data.id', async () => {
    const api = await receiver(() => ({
      status: 200,
      body: { data: { record_type: 'message', id: '40385f64-5717-4562-b3fc-2c963f66afa6', type: 'SMS', parts: 1, encoding: 'GSM-7', errors: [] } },
    }));
    const app = await server({ SMS_PROVIDER: 'telnyx', TELNYX_API_BASE: api.url, TELNYX_API_KEY: TELNYX_KEY, TELNYX_FROM: '+15551234567' });
    const { messageId } = await queueCode(app, { code: '118822', to: '+447400123456' });
    const [request] = await api.waitForRequests(1);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v2/messages');
    expect(request!.headers.authorization).toBe(`Bearer ${TELNYX_KEY}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.rawBody)).toEqual({
      from: '+15551234567',
      to: '+447400123456',
      text: '118822 is your Acme verification code. It expires in 10 minutes. Do not share it.\n\n@login.acme.example #118822',
    });
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', provider: 'telnyx', providerMessageId: '40385f64-5717-4562-b3fc-2c963f66afa6' });
  });

  it('sends through a messaging profile (number pool) when no from number is set', async () => {
    const api = await receiver(() => ({ status: 200, body: { data: { id: 'b0c7e8cb-6227-4c74-9f32-c7f80c30934b' } } }));
    const app = await server({ SMS_PROVIDER: 'telnyx', TELNYX_API_BASE: api.url, TELNYX_API_KEY: TELNYX_KEY, TELNYX_MESSAGING_PROFILE_ID: '4000eba1-a0c0-4563-9925-b25e842a7cb6' });
    await queueCode(app);
    const [request] = await api.waitForRequests(1);
    const body = JSON.parse(request!.rawBody) as Record<string, string>;
    expect(body.messaging_profile_id).toBe('4000eba1-a0c0-4563-9925-b25e842a7cb6');
    expect(body.from).toBeUndefined();
  });

  it('gives up on a 422 validation error with the Telnyx error code and detail', async () => {
    const api = await receiver(() => ({
      status: 422,
      body: { errors: [{ code: '40310', title: 'Invalid \'to\' address', detail: "The 'to' address should be in +E.164 format.", source: { pointer: '/to' } }] },
    }));
    const app = await server({ SMS_PROVIDER: 'telnyx', TELNYX_API_BASE: api.url, TELNYX_API_KEY: TELNYX_KEY, TELNYX_FROM: '+15551234567' });
    const { messageId } = await queueCode(app);
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'failed', attempts: 1 });
    expect(status.reason).toBe("telnyx answered 422: 40310 The 'to' address should be in +E.164 format.");
  });

  it('retries a 500 and delivers when Telnyx recovers', async () => {
    const api = await receiver((_, index) => (index < 2 ? { status: 500, body: { errors: [{ code: '10007', title: 'Unexpected error' }] } } : { status: 200, body: { data: { id: 'ok-id' } } }));
    const app = await server({ SMS_PROVIDER: 'telnyx', TELNYX_API_BASE: api.url, TELNYX_API_KEY: TELNYX_KEY, TELNYX_FROM: '+15551234567' });
    const { messageId } = await queueCode(app);
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', attempts: 3, providerMessageId: 'ok-id' });
  });
});

describe('webhook provider', () => {
  it('POSTs {channel, to, text, code_length} signed per Standard Webhooks, verified with the standardwebhooks package', async () => {
    const gateway = await receiver(() => ({ status: 202, body: { id: 'gw-1' } }));
    const app = await server({ SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: `${gateway.url}/send`, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    const { messageId } = await queueCode(app, { code: '55667788' });
    const [request] = await gateway.waitForRequests(1);
    expect(request!.path).toBe('/send');
    const headers = Object.fromEntries(Object.entries(request!.headers).map(([k, v]) => [k, String(v)]));
    expect(headers['webhook-id']).toBe(messageId);
    expect(new Webhook(TEST_WEBHOOK_SECRET).verify(request!.rawBody, headers)).toEqual({
      channel: 'sms',
      to: '+4915123456789',
      text: '55667788 is your Acme verification code. It expires in 10 minutes. Do not share it.\n\n@login.acme.example #55667788',
      code_length: 8,
    });
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', providerMessageId: 'gw-1' });
  });

  it('retries with the same webhook-id after a 500, so the gateway can deduplicate', async () => {
    const gateway = await receiver((_, index) => (index === 0 ? { status: 500, body: 'boom' } : { status: 200 }));
    const app = await server({ EMAIL_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: gateway.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    const { messageId } = await queueCode(app, { channel: 'email', to: 'alice@example.com' });
    expect(await settledDelivery(app, messageId)).toMatchObject({ state: 'sent', attempts: 2 });
    const ids = gateway.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([messageId, messageId]);
    const body = new Webhook(TEST_WEBHOOK_SECRET).verify(gateway.requests[1]!.rawBody, Object.fromEntries(Object.entries(gateway.requests[1]!.headers).map(([k, v]) => [k, String(v)]))) as Record<string, unknown>;
    expect(body).toMatchObject({ channel: 'email', to: 'alice@example.com', code_length: 6, subject: '482913 is your Acme verification code' });
  });

  it('keeps the code out of what it records when a gateway echoes the message in its error', async () => {
    const gateway = await receiver((request) => ({ status: 400, body: `cannot send: ${request.rawBody}` }));
    const app = await server({ SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: gateway.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    const { messageId } = await queueCode(app, { code: '90817263' });
    const status = await settledDelivery(app, messageId);
    expect(status.state).toBe('failed');
    expect(status.reason).toContain('[code]');
    const stored = JSON.stringify((await app.deps.db.query('SELECT o.*, a.* FROM outbox o JOIN outbox_attempts a ON a.outbox_id = o.id WHERE o.id = $1', [messageId])).rows);
    expect(stored).not.toContain('90817263');
  });
});

describe('provider failures', () => {
  it('never reach the caller: queueing succeeds while the provider is down, and the state says why', async () => {
    const gateway = await receiver(() => ({ status: 204 }));
    const url = gateway.url;
    await open.pop()!.close(); // the gateway is gone
    const app = await server({ SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    const { messageId } = await queueCode(app);
    const status = await settledDelivery(app, messageId);
    expect(status).toMatchObject({ state: 'failed', attempts: 6 });
    expect(status.reason).toMatch(/connect/);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("another tenant's message reads as absent", async () => {
    const app = await server({});
    const { messageId } = await queueCode(app);
    expect(await app.deps.delivery.deliveryStatus(messageId, 'acme')).toBeDefined();
    expect(await app.deps.delivery.deliveryStatus(messageId, 'other-tenant')).toBeUndefined();
  });
});

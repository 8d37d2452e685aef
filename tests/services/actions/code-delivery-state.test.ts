import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, receivedCode, uniqueEmail, uniqueMobile } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV, TEST_WEBHOOK_SECRET } from '../../helpers/delivery.ts';
import { eventually, startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startProductionServer } from '../../helpers/production.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { TestSocket, wsUrl } from '../../helpers/ws-client.ts';

// Where the code's message is shows in the status document (DESIGN §11): `queued`, then `sent`
// or `failed`. A provider that fails never turns into an error of the request that asked for
// the code: the initiation answers 201 and the status says the message failed.

const serversToClose: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of serversToClose.reverse()) await s.close();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, ...env } });
  serversToClose.push(server);
  return server;
}

/** Waits until the status document of `statusId` shows the delivery in `state`. */
function deliveryBecomes(server: TestServer, statusId: string, state: string) {
  return eventually(async () => {
    const res = await codeClient(server, 'sms').status(statusId);
    return (res.body.delivery as { state?: string } | undefined)?.state === state ? res.body : undefined;
  }, `the delivery of ${statusId} to be ${state}`);
}

describe('delivery state in the status document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });

  it('shows the code queued, then sent, with the destination masked; a watcher sees both', async () => {
    const token = await server.token({ sub: uniqueSub('ds-sent') });
    const number = uniqueMobile();
    const started = await codeClient(server, 'sms').initiate(token, number);
    const socket = await TestSocket.open(wsUrl(server.url, `?status_id=${started.body.status_id}`));
    const first = (await socket.next()).data!;
    const masked = `+49•••••${number.slice(-3)}`;
    if ((first.delivery as { state: string }).state === 'queued') {
      expect(first).toMatchObject({ status: 'INITIATED', delivery: { state: 'queued', to: masked } });
      expect((await socket.next()).data).toMatchObject({ status: 'INITIATED', delivery: { state: 'sent', to: masked } });
    } else {
      expect(first).toMatchObject({ status: 'INITIATED', delivery: { state: 'sent', to: masked } });
    }
    await socket.close();
    const doc = await deliveryBecomes(server, started.body.status_id, 'sent');
    expect(JSON.stringify(doc)).not.toContain(number);
    expect(JSON.stringify(doc)).not.toContain(await receivedCode(server, number));
  });

  it('drops the delivery from the document once the enrollment ends', async () => {
    const token = await server.token({ sub: uniqueSub('ds-end') });
    const number = uniqueMobile();
    const sms = codeClient(server, 'sms');
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    await deliveryBecomes(server, started.body.status_id, 'sent');
    expect((await sms.verify(token, started.body.exchange_id.exchange_id, code)).status).toBe(200);
    const doc = (await sms.status(started.body.status_id)).body;
    expect(doc).toMatchObject({ status: 'ENROLLED' });
    expect(doc).not.toHaveProperty('delivery');
  });
});

describe('a provider that fails', () => {
  let gateway: HttpReceiver;
  let sink: SmtpSink;
  beforeAll(async () => {
    gateway = await startHttpReceiver(() => ({ status: 500, body: 'gateway down' }));
    sink = await startSmtpSink(() => 550);
    serversToClose.push(gateway, sink);
  });

  it('SMS gateway answering 500 to every retry: the initiation still answers 201, the status says failed', async () => {
    const server = await start({ SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: `${gateway.url}/send`, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    const token = await server.token({ sub: uniqueSub('ds-gateway') });
    const started = await codeClient(server, 'sms').initiate(token, uniqueMobile());
    expect(started.status).toBe(201);
    const doc = await deliveryBecomes(server, started.body.status_id, 'failed');
    expect(doc).toMatchObject({ status: 'INITIATED' });
    expect(gateway.requests.length).toBeGreaterThan(1);
  });

  it('SMTP server refusing the mailbox (550): the status says failed, and a resend can try again', async () => {
    const server = await start({ EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'security@acme.example' });
    const email = codeClient(server, 'email');
    const token = await server.token({ sub: uniqueSub('ds-smtp') });
    const started = await email.initiate(token, uniqueEmail('refused'));
    expect(started.status).toBe(201);
    await deliveryBecomes(server, started.body.status_id, 'failed');
    server.clock.advance(30_000);
    const resent = await email.resend(token, started.body.exchange_id.exchange_id);
    expect(resent.status).toBe(200);
    expect((await email.status(started.body.status_id)).body).toMatchObject({ delivery: { state: 'queued' } });
  });

  it('no provider for the channel (production without SMS_PROVIDER): 503 VER_0074, and no enrollment is left behind', async () => {
    const production = await startProductionServer();
    serversToClose.push(production);
    const sub = uniqueSub('ds-none');
    const token = await production.token({ sub });
    expectProblem(await codeClient(production, 'sms').initiate(token, uniqueMobile()), 503, 'VER_0074');
    const { rows } = await production.deps.db.query('SELECT 1 FROM exchanges WHERE sub = $1', [sub]);
    expect(rows).toHaveLength(0);
  });
});

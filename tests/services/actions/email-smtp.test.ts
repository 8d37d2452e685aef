import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, otherCode, uniqueEmail, type CodeClient } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../../helpers/delivery.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { expectNeverLogged } from '../../helpers/security-events.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// EMAIL end to end through a real SMTP session: the service sends with nodemailer to an
// `smtp-server` started here, the mail is parsed with `mailparser`, and the code read from it
// enrolls the address and signs in.
let sink: SmtpSink;
let server: TestServer;
let email: CodeClient;
const TENANT = 'smtp-acme';
beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'Acme Security <security@acme.example>' } });
  email = codeClient(server, 'email');
  const admin = await server.token({ sub: 'admin', tenant: TENANT, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/email`, { method: 'PUT', token: admin, body: { settings: { sender_name: 'Acme' } } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

/** Waits for the next mail to `address` and returns it with the code it carries. */
async function mailTo(address: string, nth = 1): Promise<{ mail: ReceivedMail; code: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mails = sink.mails.filter((m) => m.envelope.to.includes(address));
    if (mails.length >= nth) {
      const mail = mails[nth - 1]!;
      const code = /^\s+([0-9]{4,10})$/m.exec(mail.parsed.text ?? '')?.[1];
      if (!code) throw new Error(`no code in the mail: ${mail.parsed.text}`);
      return { mail, code };
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('EMAIL over SMTP', () => {
  it('mails a code with the tenant name, the lifetime and a "not you?" line, in text and HTML, and the code enrolls the address', async () => {
    const token = await server.token({ sub: uniqueSub('smtp-enroll'), tenant: TENANT });
    const address = uniqueEmail('Smtp.User').replace('@example.com', '@Example.COM');
    const normalised = address.replace('@Example.COM', '@example.com');
    const started = await email.initiate(token, address);
    expect(started.status).toBe(201);
    expect(started.body.destination).toBe('S•••@example.com');

    const { mail, code } = await mailTo(normalised);
    expect(mail.envelope).toEqual({ from: 'security@acme.example', to: [normalised] });
    expect(mail.parsed.subject).toBe(`${code} is your Acme verification code`);
    expect(mail.parsed.text).toContain('It expires in 10 minutes.');
    expect(mail.parsed.text).toContain('Not you?');
    expect(mail.parsed.html).toContain(code);
    expect(mail.parsed.html).toContain('Not you?');

    const done = await email.verify(token, started.body.exchange_id.exchange_id, code);
    expect(done.body).toMatchObject({ status: 'ENROLLED', verification_type: 'EMAIL' });
    // Outside the development `log` provider, neither the code nor the address is ever logged.
    expectNeverLogged(server, [code, normalised]);
  });

  it('signs in with the code of a second mail, and refuses a wrong one', async () => {
    const sub = uniqueSub('smtp-sign-in');
    const token = await server.token({ sub, tenant: TENANT });
    const address = uniqueEmail('signin');
    const started = await email.initiate(token, address);
    const first = await mailTo(address);
    const enrolled = await email.verify(token, started.body.exchange_id.exchange_id, first.code);
    const challenge = await email.signInInitiate(token);
    expect(challenge.body).toMatchObject({ type: 'EMAIL', destination: 's•••@example.com' });
    const { mail, code } = await mailTo(address, 2);
    expect(mail.parsed.text).toContain('Enter it to finish signing in.');
    expectProblem(await email.signInVerify(token, challenge.body.exchange_id.exchange_id, otherCode(code)), 400, 'VER_0041');
    const res = await email.signInVerify(token, challenge.body.exchange_id.exchange_id, code);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: enrolled.body.ph_id });
  });

  it.each([
    ['no @', 'not-an-address'],
    ['no domain', 'user@'],
    ['a single-label domain', 'user@localhost'],
    ['a space', 'us er@example.com'],
  ])('refuses an address with %s with 400 VER_0073', async (_what, address) => {
    const token = await server.token({ sub: uniqueSub('smtp-bad'), tenant: TENANT });
    expectProblem(await email.initiate(token, address), 400, 'VER_0073');
  });
});

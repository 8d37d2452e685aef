import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeClient, deliveredTo, enrollDestination, otherCode, receivedCode, uniqueMobile, type CodeClient } from '../../helpers/code-method.ts';
import { FAST_DELIVERY_ENV } from '../../helpers/delivery.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// SMS enrollment over HTTP (DESIGN §11): a number, normalised to E.164, receives a code through
// the outbox and the `log` provider (read back from the development outbox), and the code
// typed into the profile UI enrolls it.
let server: TestServer;
let sms: CodeClient;
beforeAll(async () => {
  server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, PUBLIC_BASE_URL: 'https://login.acme.example' } });
  sms = codeClient(server, 'sms');
});
afterAll(() => server?.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const userToken = (prefix: string, tenant?: string) => server.token({ sub: uniqueSub(prefix), ...(tenant ? { tenant } : {}) });

async function setSmsConfig(tenant: string, settings: Record<string, unknown>): Promise<void> {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/sms`, { method: 'PUT', token: admin, body: { settings } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('POST /verification-actions-srv/setup/sms/initiation', () => {
  it('sends a 6-digit code to the number in E.164 and answers where it went, masked', async () => {
    const token = await userToken('sms-start');
    const number = uniqueMobile();
    const typed = `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`;
    server.clock.freeze();
    const at = server.clock.now().getTime();
    const res = await sms.initiate(token, typed).finally(() => server.clock.resume());
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      exchange_id: { exchange_id: expect.stringMatching(UUID), expires_at: new Date(at + 600_000).toISOString() },
      status_id: expect.stringMatching(UUID),
      destination: `+49•••••${number.slice(-3)}`,
      resend_after: new Date(at + 30_000).toISOString(),
    });
    const code = await receivedCode(server, number);
    expect(code).toMatch(/^[0-9]{6}$/);
    const [message] = await deliveredTo(server, number);
    // One GSM-7 segment, the lifetime, and the origin-bound line for WebOTP (PUBLIC_BASE_URL is set).
    expect(message!.text).toMatch(new RegExp(`^${code} is your .+ verification code\\. It expires in 10 minutes\\..*\\n\\n@login\\.acme\\.example #${code}$`, 's'));
    expect((await sms.status(res.body.status_id)).body).toMatchObject({ status: 'INITIATED', type: 'SMS' });
  });

  it('reads a national number with the tenant default_country', async () => {
    const tenant = `sms-dc-${uniqueSub('t').slice(-8)}`;
    await setSmsConfig(tenant, { default_country: 'DE' });
    const number = uniqueMobile();
    const res = await sms.initiate(await userToken('sms-national', tenant), `0${number.slice(3)}`);
    expect(res.status).toBe(201);
    expect(await receivedCode(server, number)).toMatch(/^[0-9]{6}$/);
  });

  it('sends as many digits as the tenant configured', async () => {
    const tenant = `sms-digits-${uniqueSub('t').slice(-8)}`;
    await setSmsConfig(tenant, { digits: 8 });
    const number = uniqueMobile();
    expect((await sms.initiate(await userToken('sms-digits', tenant), number)).status).toBe(201);
    expect(await receivedCode(server, number)).toMatch(/^[0-9]{8}$/);
  });

  it.each([
    ['not a number', 'call me maybe', 'VER_0070'],
    ['too short', '+49151', 'VER_0070'],
    ['a national number without default_country', '015123456789', 'VER_0070'],
    ['a fixed-line number', '+4930123456', 'VER_0071'],
  ])('refuses %s with 400 %s', async (_what, input, code) => {
    const res = await sms.initiate(await userToken('sms-bad'), input);
    expectProblem(res, 400, code);
  });

  it('refuses a number of a country the tenant does not allow with 400 VER_0072', async () => {
    const tenant = `sms-cc-${uniqueSub('t').slice(-8)}`;
    await setSmsConfig(tenant, { allowed_countries: ['AT', 'CH'] });
    const number = uniqueMobile();
    const res = await sms.initiate(await userToken('sms-country', tenant), number);
    expectProblem(res, 400, 'VER_0072');
    expect(res.body).toMatchObject({ country: 'DE' });
    expect(await deliveredTo(server, number)).toEqual([]);
  });

  it('refuses a body without a phone number, or with an unknown member, with 400 VER_0001', async () => {
    const token = await userToken('sms-body');
    expectProblem(await sms.initiateWith(token, {}), 400, 'VER_0001');
    expectProblem(await sms.initiateWith(token, { phone_number: uniqueMobile(), email: 'a@example.com' }), 400, 'VER_0001');
  });
});

describe('POST /verification-actions-srv/setup/sms/verification', () => {
  it('enrolls the number with the code it received: ENROLLED, and the device list shows it', async () => {
    const token = await userToken('sms-enroll');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const res = await sms.verify(token, started.body.exchange_id.exchange_id, code);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ENROLLED', status_id: started.body.status_id, verification_type: 'SMS', ph_id: expect.stringMatching(UUID) });
    expect((await sms.status(started.body.status_id)).body).toMatchObject({ status: 'ENROLLED', ph_id: res.body.ph_id });
  });

  it('answers a wrong code with 400 VER_0041 and the attempts left', async () => {
    const token = await userToken('sms-wrong');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const res = await sms.verify(token, started.body.exchange_id.exchange_id, otherCode(code));
    expectProblem(res, 400, 'VER_0041');
    expect(res.body).toMatchObject({ remaining_attempts: 4 });
  });

  it('fails the enrollment at the fifth wrong code: FAILED, and even the right code is refused after', async () => {
    const token = await userToken('sms-fail');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const exchangeId = started.body.exchange_id.exchange_id;
    const code = await receivedCode(server, number);
    for (let i = 0; i < 4; i++) expectProblem(await sms.verify(token, exchangeId, otherCode(code)), 400, 'VER_0041');
    expectProblem(await sms.verify(token, exchangeId, otherCode(code)), 409, 'VER_0034');
    expect((await sms.status(started.body.status_id)).body).toMatchObject({ status: 'FAILED' });
    expectProblem(await sms.verify(token, exchangeId, code), 409, 'VER_0034');
  });

  it.each([
    ['letters', '12a456'],
    ['spaces', '123 456'],
    ['too few digits', '123'],
    ['too many digits', '12345678901'],
  ])('refuses a code with %s with 400 VER_0001 without counting it', async (_what, passCode) => {
    const token = await userToken('sms-shape');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    expectProblem(await sms.verify(token, started.body.exchange_id.exchange_id, passCode), 400, 'VER_0001');
    const code = await receivedCode(server, number);
    const wrong = await sms.verify(token, started.body.exchange_id.exchange_id, otherCode(code));
    expect(wrong.body).toMatchObject({ remaining_attempts: 4 });
  });

  it('accepts a code once: a second verification with it is 409 VER_0032', async () => {
    const token = await userToken('sms-once');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    expect((await sms.verify(token, started.body.exchange_id.exchange_id, code)).status).toBe(200);
    expectProblem(await sms.verify(token, started.body.exchange_id.exchange_id, code), 409, 'VER_0032');
  });

  it('of parallel verifications of one code, exactly one enrolls', async () => {
    const token = await userToken('sms-race');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const results = await Promise.all(Array.from({ length: 8 }, () => sms.verify(token, started.body.exchange_id.exchange_id, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 200)) expectProblem(refused, 409, 'VER_0032');
    const devices = await request<{ verification_type: string }[]>(`${server.url}/verification-actions-srv/devices`, { token });
    expect(devices.body.filter((d) => d.verification_type === 'SMS')).toHaveLength(1);
  });

  it('refuses the code of another exchange: a code is bound to the exchange it was sent for', async () => {
    const token = await userToken('sms-bound');
    const first = uniqueMobile();
    const second = uniqueMobile();
    const a = await sms.initiate(token, first);
    const b = await sms.initiate(token, second);
    const codeOfB = await receivedCode(server, second);
    const codeOfA = await receivedCode(server, first);
    if (codeOfA !== codeOfB) expectProblem(await sms.verify(token, a.body.exchange_id.exchange_id, codeOfB), 400, 'VER_0041');
    expect((await sms.verify(token, b.body.exchange_id.exchange_id, codeOfB)).status).toBe(200);
  });

  it("answers another user's exchange id, another tenant's token and a status id as unknown (404 VER_0030), without counting", async () => {
    const token = await userToken('sms-owner');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const thief = await userToken('sms-thief');
    expectProblem(await sms.verify(thief, started.body.exchange_id.exchange_id, code), 404, 'VER_0030');
    const otherTenant = await server.token({ sub: uniqueSub('sms-owner'), tenant: 'elsewhere' });
    expectProblem(await sms.verify(otherTenant, started.body.exchange_id.exchange_id, code), 404, 'VER_0030');
    expectProblem(await sms.verify(token, started.body.status_id, code), 404, 'VER_0030');
    expect((await sms.verify(token, started.body.exchange_id.exchange_id, code)).status).toBe(200);
  });

  it('refuses to enroll a number the user already has with 409 VER_0078', async () => {
    const sub = uniqueSub('sms-dup');
    const token = await server.token({ sub });
    const number = uniqueMobile();
    await enrollDestination(server, 'sms', token, number);
    const stepped = await server.token({ sub, amr: ['pwd', 'sms'], authTime: Math.floor(server.clock.now().getTime() / 1000) });
    expectProblem(await sms.initiate(stepped, number), 409, 'VER_0078');
  });
});

describe('what an attacker with the database, the logs or many requests gets', () => {
  it('keeps only an HMAC of the code: not in the exchange, nor readable in the outbox (sealed)', async () => {
    const token = await userToken('sms-at-rest');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const { rows } = await server.deps.db.query<{ state: string }>('SELECT method_state::text AS state FROM exchanges WHERE status_id = $1', [started.body.status_id]);
    expect(rows[0]!.state).not.toContain(code);
    expect(rows[0]!.state).toMatch(/"code_mac": "[A-Za-z0-9_-]{43}"/);
    const outbox = await server.deps.db.query<{ row: string }>("SELECT (to_jsonb(o) - 'sealed_payload')::text AS row FROM outbox o WHERE queue = 'message' AND metadata->>'to' = $1", [
      started.body.destination,
    ]);
    expect(outbox.rows.length).toBeGreaterThan(0);
    for (const { row } of outbox.rows) expect(row).not.toContain(code);
  });

  it('counts parallel wrong codes one by one: four are wrong, the rest find the enrollment FAILED', async () => {
    const token = await userToken('sms-parallel-wrong');
    const number = uniqueMobile();
    const started = await sms.initiate(token, number);
    const code = await receivedCode(server, number);
    const results = await Promise.all(Array.from({ length: 10 }, () => sms.verify(token, started.body.exchange_id.exchange_id, otherCode(code))));
    expect(results.map((r) => (r.body as { code?: string }).code).sort()).toEqual([...Array(6).fill('VER_0034'), ...Array(4).fill('VER_0041')]);
    expectProblem(await sms.verify(token, started.body.exchange_id.exchange_id, code), 409, 'VER_0034');
  });
});

describe('no input makes a 500', () => {
  const weird: unknown[] = [
    '+',
    '++4915123456789',
    '+49 (0) 151 2345 6789',
    '١٢٣٤٥٦٧٨٩٠',
    '+49\u0000151234567',
    '📱+4915123456789',
    '\u202e+4915123456789',
    '9'.repeat(64),
    '9'.repeat(65),
    '+1 900 555 0100',
    '+882 1234 5678',
    '+4915123456789;ext=12',
    '+4915123456789 x12',
    'tel:+4915123456789',
    ' ',
    12345,
    null,
    ['+4915123456789'],
    { number: '+4915123456789' },
  ];
  it.each(weird.map((value) => [JSON.stringify(value), value]))('answers phone_number %s with a 4xx problem, or a code sent', async (_label, value) => {
    const res = await sms.initiateWith(await userToken('sms-weird'), { phone_number: value });
    expect(res.status === 201 || (res.status >= 400 && res.status < 500), `${res.status} ${JSON.stringify(res.body)}`).toBe(true);
  });
});

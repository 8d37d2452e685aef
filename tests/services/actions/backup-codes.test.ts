import { describe, expect, it } from 'vitest';
import { auditClient } from '../../helpers/audit.ts';
import { type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { startHttpReceiver } from '../../helpers/http-receiver.ts';
import { request, type JsonResponse } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { expectNeverLogged } from '../../helpers/security-events.ts';
import { enrolledUser, retryAfterOf, uniqueSub } from '../../helpers/sign-in.ts';
import { signInForAssertion, steppedUpToken, withAssertion } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { FAST_WEBHOOKS, verifiedBody, webhookClient } from '../../helpers/webhooks.ts';

// BACKUPCODE (DESIGN §15): 10 one-time codes shown once, stored as HMACs, each signing in once.

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer(
  (s, a) => {
    server = s;
    api = a;
  },
  { env: FAST_WEBHOOKS },
);

interface CodeSet {
  ph_id: string;
  codes: string[];
  generated_at: string;
}
interface SignedIn {
  status: string;
  ph_id: string;
  verification_type: string;
  remaining: number;
  assertion: string;
}

const CODE_FORMAT = /^[23456789abcdefghjkmnpqrstuvwxyz]{5}-[23456789abcdefghjkmnpqrstuvwxyz]{5}$/;

function generate(token: string, headers: Record<string, string> = {}): Promise<JsonResponse<CodeSet>> {
  return request<CodeSet>(`${server.url}/verification-actions-srv/setup/backupcode/initiation`, { method: 'POST', token, body: {}, headers });
}

function signIn(token: string, passCode: string, sub?: string): Promise<JsonResponse<SignedIn>> {
  return request<SignedIn>(`${server.url}/verification-srv/authentication/backupcode/verification`, {
    token,
    body: { pass_code: passCode, ...(sub ? { sub } : {}) },
  });
}

/** A user of a tenant of their own whose first factor is a set of backup codes. */
async function userWithCodes(prefix: string) {
  const tenant = uniqueSub(`${prefix}-tenant`);
  const sub = uniqueSub(prefix);
  const token = await server.token({ sub, tenant });
  const res = await generate(token);
  expect(res.status).toBe(201);
  return { tenant, sub, token, set: res.body };
}

describe('generating backup codes', () => {
  it('shows 10 distinct codes xxxxx-xxxxx once, never cached, with the set ph_id', async () => {
    const res = await generate(await server.token({ sub: uniqueSub('bc-new') }));
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const set = res.body;
    expect(set.ph_id).toEqual(expect.any(String));
    expect(set.codes).toHaveLength(10);
    expect(new Set(set.codes).size).toBe(10);
    for (const code of set.codes) expect(code).toMatch(CODE_FORMAT);
    expect(new Date(set.generated_at).toISOString()).toBe(set.generated_at);
  });

  it('stores only an HMAC of each code, and never logs one', async () => {
    const { set } = await userWithCodes('bc-at-rest');
    const { rows } = await server.deps.db.query<{ code_hash: Buffer }>('SELECT code_hash FROM backup_codes WHERE ph_id = $1', [set.ph_id]);
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(
      (await server.deps.db.query('SELECT * FROM authenticators WHERE ph_id = $1', [set.ph_id])).rows.concat(rows.map((r) => r.code_hash.toString('latin1'))),
    );
    for (const code of set.codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace('-', ''));
    }
    expectNeverLogged(server, set.codes);
  });

  it('lists the set as one BACKUPCODE device with the codes remaining', async () => {
    const { set, token } = await userWithCodes('bc-devices');
    const devices = await api.devices(token);
    expect(devices.body).toEqual([expect.objectContaining({ ph_id: set.ph_id, verification_type: 'BACKUPCODE', remaining: 10, last_used_at: null })]);
  });

  it('needs a fresh second factor once the user has one, so a stolen first-factor token cannot make codes', async () => {
    const user = await enrolledUser(server, { prefix: 'bc-stepup' });
    expectProblem(await generate(user.token), 401, 'VER_0014');
    const assertion = await signInForAssertion(server, user);
    const res = await generate(user.token, withAssertion(assertion));
    expect(res.status).toBe(201);
    expect((await api.devices(user.token)).body.map((d) => d.verification_type).sort()).toEqual(['BACKUPCODE', 'TOTP']);
  });

  it('replaces the whole set on a new generation (with step-up), keeping the ph_id', async () => {
    const { set, sub, tenant, token } = await userWithCodes('bc-regen');
    expectProblem(await generate(token), 401, 'VER_0014');
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const refused = (await auditClient(server).list(admin, 'event=stepup.refused')).body.items;
    expect(refused.map((r) => r.details.operation)).toEqual(['regenerate_backup_codes']);
    const fresh = await generate(await steppedUpToken(server, { sub, tenant }));
    expect(fresh.status).toBe(201);
    expect(fresh.body.ph_id).toBe(set.ph_id);
    expect(fresh.body.codes.filter((c) => set.codes.includes(c))).toEqual([]);
    expectProblem(await signIn(token, set.codes[0]!), 400, 'VER_0041');
    expect((await signIn(token, fresh.body.codes[0]!)).body.remaining).toBe(9);
  });

  it('leaves one set when generations race, whose codes are those of exactly one answer', async () => {
    const { sub, tenant, token } = await userWithCodes('bc-regen-race');
    const steppedUp = await steppedUpToken(server, { sub, tenant });
    const answers = await Promise.all(Array.from({ length: 5 }, () => generate(steppedUp)));
    expect(answers.map((a) => a.status)).toEqual(Array<number>(5).fill(201));
    const devices = (await api.devices(token)).body.filter((d) => d.verification_type === 'BACKUPCODE');
    expect(devices).toHaveLength(1);
    const working: number[] = [];
    for (const [i, answer] of answers.entries()) {
      const res = await signIn(token, answer.body.codes[0]!);
      if (res.status === 200) working.push(i);
      // The replaced sets' codes are wrong codes now: wait out the backoff they cost, as a user would.
      const wait = retryAfterOf(res);
      if (wait !== null) server.clock.advance(wait * 1000 + 1);
    }
    expect(working).toHaveLength(1);
  });

  it('is refused while the tenant has BACKUPCODE switched off', async () => {
    const tenant = uniqueSub('bc-off');
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const off = await request(`${server.url}/verification-srv/config/backupcode`, { method: 'PUT', token: admin, body: { active: false } });
    expect(off.status).toBe(200);
    expectProblem(await generate(await server.token({ sub: uniqueSub('bc-off'), tenant })), 409, 'VER_0021');
  });

  it('counts toward the initiation rate limit, so a flood of generations is refused', async () => {
    const { sub, tenant } = await userWithCodes('bc-flood');
    const token = await steppedUpToken(server, { sub, tenant });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await generate(token)).status);
    expect(statuses.slice(0, 9)).toEqual(Array<number>(9).fill(201));
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('signing in with a backup code', () => {
  it('signs in once with a code, answering how many remain and a step-up assertion', async () => {
    const { set, token, sub } = await userWithCodes('bc-signin');
    const res = await signIn(token, set.codes[3]!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHENTICATED', sub, verification_type: 'BACKUPCODE', ph_id: set.ph_id, remaining: 9 });
    expect(res.body.assertion).toEqual(expect.any(String));
    expect((await api.devices(token)).body[0]).toMatchObject({ remaining: 9, last_used_at: expect.any(String) });
    const replay = await signIn(token, set.codes[3]!);
    expectProblem(replay, 400, 'VER_0041');
    expect(detailOf(replay)).toMatch(/already used/);
  });

  it('accepts a code typed in capitals, with spaces or without its dash', async () => {
    const { set, token } = await userWithCodes('bc-typed');
    expect((await signIn(token, set.codes[0]!.toUpperCase())).status).toBe(200);
    expect((await signIn(token, ` ${set.codes[1]!.replace('-', ' ')} `.trim())).status).toBe(200);
    expect((await signIn(token, set.codes[2]!.replace('-', ''))).status).toBe(200);
  });

  it('lets exactly one of 20 simultaneous sign-ins with one code through', async () => {
    const { set, token } = await userWithCodes('bc-race');
    const results = await Promise.all(Array.from({ length: 20 }, () => signIn(token, set.codes[0]!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.status !== 200)) expectProblem(refused, 400, 'VER_0041');
    expect((await api.devices(token)).body[0]).toMatchObject({ remaining: 9 });
  });

  it('refuses text that cannot be a code without counting it, and names the format', async () => {
    const { token } = await userWithCodes('bc-malformed');
    for (let i = 0; i < 5; i++) expectProblem(await signIn(token, 'ooooo-11111'), 400, 'VER_0095');
    expectProblem(await signIn(token, 'short'), 400, 'VER_0001');
    // Five refusals cost nothing: a wrong code now is the first, answered without a wait.
    const wrong = await signIn(token, 'zzzzz-zzzzz');
    expectProblem(wrong, 400, 'VER_0041');
    expect(retryAfterOf(wrong)).toBeNull();
  });

  it('counts wrong codes in the sign-in throttle, until refused unchecked', async () => {
    const { set, token } = await userWithCodes('bc-throttle');
    server.clock.freeze();
    try {
      const answers: number[] = [];
      for (let i = 0; i < 5; i++) answers.push((await signIn(token, `zzzzz-zzzz${'23456'[i]}`)).status);
      expect(answers).toEqual([400, 400, 400, 400, 429]);
      expectProblem(await signIn(token, set.codes[0]!), 429, 'VER_0042');
    } finally {
      server.clock.resume();
    }
  });

  it('says when every code was used', async () => {
    const { set, token } = await userWithCodes('bc-exhausted');
    for (const code of set.codes) expect((await signIn(token, code)).status).toBe(200);
    expectProblem(await signIn(token, 'zzzzz-zzzzz'), 409, 'VER_0096');
    expectProblem(await signIn(token, set.codes[0]!), 400, 'VER_0041');
  });

  it('records backupcodes.used with the count left, and backupcodes.low once 3 or fewer remain', async () => {
    const { set, token, tenant } = await userWithCodes('bc-events');
    for (const code of set.codes.slice(0, 7)) expect((await signIn(token, code)).status).toBe(200);
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const rows = (await auditClient(server).list(admin, 'order=asc&limit=200')).body.items;
    expect(rows.filter((r) => r.event === 'backupcodes.used').map((r) => r.details.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3]);
    expect(rows.filter((r) => r.event === 'backupcodes.low').map((r) => [r.ph_id, r.details.remaining])).toEqual([[set.ph_id, 3]]);
    expect(rows[0]).toMatchObject({ event: 'factor.added', type: 'BACKUPCODE', ph_id: set.ph_id, status_id: null });
  });

  it('refuses a set made under a SECRET_KEY no longer configured, asking for a new set', async () => {
    const { set, token } = await userWithCodes('bc-old-key');
    await server.deps.db.query(`UPDATE authenticators SET data = jsonb_set(data, '{key_id}', '"retired-key"') WHERE ph_id = $1`, [set.ph_id]);
    expectProblem(await signIn(token, set.codes[0]!), 409, 'VER_0097');
  });

  it('tells webhook endpoints when a set is made, replaced, used and running low, never a code', async () => {
    const tenant = uniqueSub('bc-hooks-tenant');
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const receiver = await startHttpReceiver();
    try {
      const endpoint = await webhookClient(server).create(admin, { url: receiver.url, events: ['factor.added', 'backupcodes.regenerated', 'backupcodes.used', 'backupcodes.low'] });
      expect(endpoint.status).toBe(201);
      const sub = uniqueSub('bc-hooks');
      const first = await generate(await server.token({ sub, tenant }));
      const second = await generate(await steppedUpToken(server, { sub, tenant }));
      const token = await server.token({ sub, tenant });
      for (const code of second.body.codes.slice(0, 7)) expect((await signIn(token, code)).status).toBe(200);
      const messages = (await receiver.waitForRequests(10)).map((req) => verifiedBody(endpoint.body.secret, req));
      expect(messages.map((m) => [m.type, m.data.remaining ?? m.data.count ?? null])).toEqual([
        ['factor.added', null],
        ['backupcodes.regenerated', 10],
        ...[9, 8, 7, 6, 5, 4].map((left) => ['backupcodes.used', left]),
        ['backupcodes.used', 3],
        ['backupcodes.low', 3],
      ]);
      expect(messages.every((m) => m.data.type === 'BACKUPCODE' && m.data.ph_id === first.body.ph_id)).toBe(true);
      const bodies = receiver.requests.map((r) => r.rawBody).join('\n');
      for (const code of [...first.body.codes, ...second.body.codes]) expect(bodies).not.toContain(code);
    } finally {
      await receiver.close();
    }
  });

  it("cannot use another tenant's codes with a token of the same sub elsewhere", async () => {
    const { set, sub } = await userWithCodes('bc-tenant');
    const twin = await server.token({ sub, tenant: uniqueSub('bc-other') });
    expectProblem(await signIn(twin, set.codes[0]!), 409, 'VER_0043');
  });

  it('signs in for a user named by a verification:service token of the same tenant only', async () => {
    const { set, sub, tenant } = await userWithCodes('bc-service');
    const service = await server.token({ sub: 'login-backend', tenant, scope: 'verification:service' });
    expect((await signIn(service, set.codes[0]!, sub)).body).toMatchObject({ status: 'AUTHENTICATED', sub, remaining: 9 });
    const foreign = await server.token({ sub: 'login-backend', tenant: uniqueSub('bc-else'), scope: 'verification:service' });
    expectProblem(await signIn(foreign, set.codes[1]!, sub), 409, 'VER_0043');
  });

  it('refuses a caller without a token, such as someone holding a status id', async () => {
    expectProblem(await request(`${server.url}/verification-srv/authentication/backupcode/verification`, { body: { pass_code: 'zzzzz-zzzzz' } }), 401, 'VER_0010');
    expectProblem(await request(`${server.url}/verification-actions-srv/setup/backupcode/initiation`, { method: 'POST', body: {} }), 401, 'VER_0010');
  });

  it('has no challenge to start and no enrollment to complete', async () => {
    const { token } = await userWithCodes('bc-none');
    expectProblem(await request(`${server.url}/verification-srv/authentication/backupcode/initiation`, { method: 'POST', token, body: {} }), 404, 'VER_0022');
    expectProblem(
      await request(`${server.url}/verification-actions-srv/setup/backupcode/verification`, { token, body: { exchange_id: crypto.randomUUID(), pass_code: 'x' } }),
      404,
      'VER_0022',
    );
  });

  it('stops working once the set is removed (with step-up)', async () => {
    const { set, token, sub, tenant } = await userWithCodes('bc-remove');
    expect((await api.removeDevice(await steppedUpToken(server, { sub, tenant }), set.ph_id)).status).toBe(204);
    expectProblem(await signIn(token, set.codes[0]!), 409, 'VER_0043');
    expect((await server.deps.db.query('SELECT 1 FROM backup_codes WHERE ph_id = $1', [set.ph_id])).rowCount).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuthenticator } from '../../../shared/authenticators/authenticator-repository.ts';
import { ensureTenant } from '../../../shared/tenants/method-config-repository.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { securityEventsOf } from '../../helpers/security-events.ts';
import { startProductionServer, PUBLIC_BASE_URL } from '../../helpers/production.ts';
import { enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import { signInForAssertion, withAssertion } from '../../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { credentialRow, loadFixtures, type WebAuthnFixture } from '../../helpers/webauthn.ts';
import { started, webauthnRoutes, type WebAuthnRoutes } from '../../helpers/webauthn-methods.ts';

// FIDO2 and TOUCHID over real HTTP and PostgreSQL, without a browser: what an attacker holding
// a stolen token, another tenant's token, a status id or recorded responses gets, and the
// relying-party settings. (The ceremonies themselves run in Chromium:
// tests/e2e/webauthn-methods-browser.test.ts.)

const PAGE = 'http://localhost:5173';
const securityKey = loadFixtures().get('fido2-es256-security-key')!;

let server: TestServer;
let routes: WebAuthnRoutes;
beforeAll(async () => {
  server = await startTestServer({ env: { INITIATION_RATE_LIMIT: '6' } });
  routes = webauthnRoutes(server, PAGE);
});
afterAll(() => server?.close());

async function user(prefix: string, tenant = 'wa-http') {
  const sub = uniqueSub(prefix);
  return { sub, tenant, token: await server.token({ sub, tenant }) };
}

/**
 * Stores the fixture's credential as the user's FIDO2 authenticator, as a completed enrollment
 * would. A credential id is unique per tenant, so each user of this gets a tenant of their own.
 */
async function withCredential(owner: { sub: string; tenant: string }, f: WebAuthnFixture = securityKey): Promise<string> {
  const phId = randomUUID();
  await ensureTenant(server.deps.db, owner.tenant);
  await insertAuthenticator(server.deps.db, await credentialRow(f, { phId, tenantId: owner.tenant, sub: owner.sub, createdAt: server.clock.now() }));
  return phId;
}

async function failedAttempts(statusId: string): Promise<number> {
  const { rows } = await server.deps.db.query<{ failed_attempts: number }>('SELECT failed_attempts FROM exchanges WHERE status_id = $1', [statusId]);
  return rows[0]!.failed_attempts;
}

describe('POST /verification-actions-srv/setup/{fido2|touchid}/initiation', () => {
  it('starts a first factor without step-up: creation options, a status id to watch, never cached', async () => {
    const alice = await user('wa-first');
    const res = await routes.initiate('fido2', alice);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.options).toMatchObject({ rp: { id: 'localhost' }, excludeCredentials: [], timeout: 300_000 });
    expect((await routes.status(res.body.status_id)).body).toMatchObject({ status: 'INITIATED', type: 'FIDO2', sub: alice.sub });
  });

  it('a stolen first-factor token cannot add a key to a user who has a factor (401 VER_0014); the assertion of a sign-in can', async () => {
    const victim = await enrolledUser(server, { prefix: 'wa-stolen', tenant: 'wa-http' });
    expectProblem(await routes.initiate('touchid', victim), 401, 'VER_0014');
    const assertion = await signInForAssertion(server, victim);
    expect((await routes.initiate('touchid', { ...victim, headers: withAssertion(assertion) })).status).toBe(201);
  });

  it('names the user\'s existing credentials of both WebAuthn methods in excludeCredentials', async () => {
    const bob = await user('wa-exclude', 'wa-exclude');
    await withCredential(bob);
    const assertionless = await routes.initiate('touchid', { ...bob, headers: withAssertion('x.y.z') });
    expectProblem(assertionless, 401, 'VER_0014');
    const token = await server.token({ sub: bob.sub, tenant: bob.tenant, amr: ['pwd', 'hwk'], authTime: Math.floor(server.clock.now().getTime() / 1000) });
    const offer = started(await routes.initiate('touchid', { ...bob, token }));
    expect(offer.options.excludeCredentials).toEqual([{ id: securityKey.registration.response.id, type: 'public-key', transports: ['usb'] }]);
  });

  it('without an Origin and with nothing configured, says the relying party is not configured (409 VER_0088)', async () => {
    const carol = await user('wa-no-origin');
    const res = await request(`${server.url}/verification-actions-srv/setup/fido2/initiation`, { method: 'POST', token: carol.token, body: {} });
    expectProblem(res, 409, 'VER_0088');
  });

  it('refuses a method the tenant switched off (409 VER_0021)', async () => {
    const admin = await server.token({ sub: 'admin', tenant: 'wa-off', scope: 'verification:admin' });
    expect((await request(`${server.url}/verification-srv/config/touchid`, { method: 'PUT', token: admin, body: { active: false } })).status).toBe(200);
    expectProblem(await routes.initiate('touchid', await user('wa-off', 'wa-off')), 409, 'VER_0021');
  });

  it('a flood of initiations is cut off by the initiation rate limit (429 VER_0050)', async () => {
    const dave = await user('wa-flood');
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push((await routes.initiate('fido2', dave)).status);
    expect(answers).toEqual([201, 201, 201, 201, 201, 201, 429]);
  });
});

describe('POST /verification-actions-srv/setup/{fido2|touchid}/verification', () => {
  it('another tenant\'s token, or the status id in place of the exchange id, finds no enrollment (404 VER_0030)', async () => {
    const erin = await user('wa-owner');
    const offer = started(await routes.initiate('fido2', erin));
    const stranger = await user('wa-stranger', 'wa-other-tenant');
    const credential = securityKey.registration.response;
    expectProblem(await routes.complete('fido2', stranger, { exchange_id: offer.exchange_id.exchange_id, credential }), 404, 'VER_0030');
    expectProblem(await routes.complete('fido2', erin, { exchange_id: offer.status_id, credential }), 404, 'VER_0030');
    expectProblem(await routes.complete('touchid', erin, { exchange_id: offer.exchange_id.exchange_id, credential }), 404, 'VER_0030');
    expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
  });

  it('a recorded response answers another challenge (400 VER_0083): refused, not counted, recorded, the enrollment stays open', async () => {
    const frank = await user('wa-recorded');
    const offer = started(await routes.initiate('fido2', frank));
    for (let i = 0; i < 6; i++) {
      const res = await routes.complete('fido2', frank, { exchange_id: offer.exchange_id.exchange_id, credential: securityKey.registration.response });
      expectProblem(res, 400, 'VER_0083');
    }
    expect(await failedAttempts(offer.status_id)).toBe(0);
    expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
    const refusals = securityEventsOf(server, frank.sub).filter((e) => e.event === 'enrollment.invalid_response');
    expect(refusals).toHaveLength(6);
    expect(refusals[0]).toEqual({
      event: 'enrollment.invalid_response',
      tenant: frank.tenant,
      sub: frank.sub,
      type: 'FIDO2',
      outcome: 'failure',
      status_id: offer.status_id,
      code: 'VER_0083',
    });
  });

  it('a request from a page of another origin is refused (403 VER_0081)', async () => {
    const gina = await user('wa-elsewhere');
    const offer = started(await routes.initiate('fido2', gina));
    const res = await routes.complete('fido2', { ...gina, origin: 'http://localhost:6666' }, { exchange_id: offer.exchange_id.exchange_id, credential: securityKey.registration.response });
    expectProblem(res, 403, 'VER_0081');
  });

  it.each([
    ['no response', {}],
    ['both names', { credential: securityKey.registration.response, fido2_client_response: securityKey.registration.response }],
    ['an empty object', { credential: {} }],
    ['a string', { credential: 'x' }],
    ['an assertion in place of a registration', { credential: securityKey.authentication.response }],
    ['a response that is not base64url', { credential: { ...securityKey.registration.response, response: { clientDataJSON: '!!', attestationObject: '??' } } }],
  ])('a body with %s is a 400 VER_0001, never a 500', async (_case, extra) => {
    const hank = await user('wa-bad-body');
    const offer = started(await routes.initiate('fido2', hank));
    expectProblem(await routes.complete('fido2', hank, { exchange_id: offer.exchange_id.exchange_id, ...extra }), 400, 'VER_0001');
  });

  it('a well-formed response with garbage inside is a 400 VER_0080, never a 500', async () => {
    const iris = await user('wa-garbage');
    const offer = started(await routes.initiate('fido2', iris));
    const garbage = { ...securityKey.registration.response, response: { ...securityKey.registration.response.response, clientDataJSON: 'AAAA', attestationObject: 'AAAA' } };
    expectProblem(await routes.complete('fido2', iris, { exchange_id: offer.exchange_id.exchange_id, credential: garbage }), 400, 'VER_0080');
  });
});

describe('FIDO2 sign-in over HTTP', () => {
  it('a user without a credential of the method cannot start one (409 VER_0043)', async () => {
    const jack = await user('wa-none', 'wa-none');
    await withCredential(jack);
    expectProblem(await routes.challenge('touchid', jack), 409, 'VER_0043');
  });

  it('offers request options naming the user\'s credential, and a status id to watch', async () => {
    const kate = await user('wa-challenge', 'wa-challenge');
    await withCredential(kate);
    const offer = started(await routes.challenge('fido2', kate));
    expect(offer).toMatchObject({ type: 'FIDO2', options: { rpId: 'localhost', userVerification: 'preferred', allowCredentials: [{ id: securityKey.registration.response.id, type: 'public-key' }] } });
    expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED', type: 'FIDO2' });
  });

  it('a backend with the service scope starts one for the user it names; a user token naming another user is refused (403 VER_0012)', async () => {
    const liam = await user('wa-service', 'wa-service');
    await withCredential(liam);
    const backend = await server.token({ sub: 'backend', tenant: 'wa-service', scope: 'verification:service' });
    expect((await routes.challenge('fido2', { token: backend }, { sub: liam.sub })).status).toBe(201);
    const mallory = await user('wa-mallory', 'wa-service');
    expectProblem(await routes.challenge('fido2', mallory, { sub: liam.sub }), 403, 'VER_0012');
  });

  it('another tenant\'s token, or the status id, cannot answer the challenge (404 VER_0023)', async () => {
    const mia = await user('wa-answer', 'wa-answer');
    await withCredential(mia);
    const offer = started(await routes.challenge('fido2', mia));
    const stranger = await user('wa-answer-stranger', 'wa-answer-other');
    const credential = securityKey.authentication.response;
    expectProblem(await routes.answer('fido2', stranger, { exchange_id: offer.exchange_id.exchange_id, credential }), 404, 'VER_0023');
    expectProblem(await routes.answer('fido2', mia, { exchange_id: offer.status_id, credential }), 404, 'VER_0023');
  });

  it('recorded assertions are refused (400 VER_0083) without counting: no lockout, the challenge stays open, each attempt in the security events', async () => {
    const noah = await user('wa-replay', 'wa-replay');
    await withCredential(noah);
    const offer = started(await routes.challenge('fido2', noah));
    for (let i = 0; i < 8; i++) {
      expectProblem(await routes.answer('fido2', noah, { exchange_id: offer.exchange_id.exchange_id, credential: securityKey.authentication.response }), 400, 'VER_0083');
    }
    expect(await failedAttempts(offer.status_id)).toBe(0);
    expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
    const refusals = securityEventsOf(server, noah.sub).filter((e) => e.event === 'authentication.invalid_response');
    expect(refusals).toHaveLength(8);
    expect(refusals[0]).toEqual({
      event: 'authentication.invalid_response',
      tenant: 'wa-replay',
      sub: noah.sub,
      type: 'FIDO2',
      outcome: 'failure',
      status_id: offer.status_id,
      code: 'VER_0083',
    });
  });
});

describe('FIDO2/TOUCHID settings (rp_id, rp_name, origins)', () => {
  const config = (type: string) => `${server.url}/verification-srv/config/${type}`;

  it('start with every relying-party member null (the defaults) and a 5 minute exchange', async () => {
    const admin = await server.token({ sub: 'admin', tenant: 'wa-settings', scope: 'verification:admin' });
    const res = await request(config('touchid'), { token: admin });
    expect(res.body).toEqual({
      verificationType: 'TOUCHID',
      active: true,
      settings: { rp_id: null, rp_name: null, origins: null, exchange_lifetime: 300, max_devices: 5 },
    });
  });

  it.each([
    [{ origins: ['https://login.example.com'], rp_id: 'example.org' }, 'settings.origins.0'],
    [{ origins: ['http://login.example.com'] }, 'settings.origins.0'],
    [{ origins: ['https://a.example.com', 'https://b.example.com'] }, 'settings.rp_id'],
    [{ rp_id: '192.168.1.1' }, 'settings.rp_id'],
    [{ origins: ['https://login.example.com/path'] }, 'settings.origins.0'],
  ])('refuse %j (400 VER_0001 naming %s)', async (settings, field) => {
    const admin = await server.token({ sub: 'admin', tenant: 'wa-bad-settings', scope: 'verification:admin' });
    const res = await request<{ errors: { field: string }[] }>(config('fido2'), { method: 'PUT', token: admin, body: { settings } });
    expectProblem(res, 400, 'VER_0001');
    expect(res.body.errors.map((e) => e.field)).toContain(field);
  });

  it('make the options name the configured RP ID and name, and only the listed origins may start a ceremony', async () => {
    const tenant = 'wa-configured';
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const put = await request(config('fido2'), {
      method: 'PUT',
      token: admin,
      body: { settings: { rp_id: 'example.com', rp_name: 'Example', origins: ['https://login.example.com', 'https://login.example.com/'] } },
    });
    expect(put.body).toMatchObject({ settings: { rp_id: 'example.com', rp_name: 'Example', origins: ['https://login.example.com'] } });
    const olga = await user('wa-configured', tenant);
    const offer = started(await routes.initiate('fido2', { ...olga, origin: 'https://login.example.com' }));
    expect(offer.options.rp).toEqual({ id: 'example.com', name: 'Example' });
    expectProblem(await routes.initiate('fido2', olga), 403, 'VER_0081');
    // A backend calling without an Origin gets the configured relying party too.
    const plain = await request(`${server.url}/verification-actions-srv/setup/fido2/initiation`, { method: 'POST', token: olga.token, body: {} });
    expect(plain.status).toBe(201);
  });
});

describe('in production', () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await startProductionServer();
  });
  afterAll(() => production?.close());

  it('the relying party defaults to PUBLIC_BASE_URL; a localhost page is refused (403 VER_0081)', async () => {
    const prodRoutes = webauthnRoutes(production, new URL(PUBLIC_BASE_URL).origin);
    const sub = uniqueSub('wa-prod');
    const caller = { token: await production.token({ sub }) };
    const offer = started(await prodRoutes.initiate('touchid', caller));
    expect(offer.options.rp.id).toBe(new URL(PUBLIC_BASE_URL).hostname);
    expectProblem(await prodRoutes.initiate('touchid', { ...caller, origin: PAGE }), 403, 'VER_0081');
  });
});

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsService } from '../../services/actions/index.ts';
import type { RunningServer } from '../../shared/runtime/http-server.ts';
import { startServer } from '../../shared/runtime/start-server.ts';
import { auditClient } from '../helpers/audit.ts';
import { browserTestsEnabled, CeremonyPage, launchChromium, VirtualAuthenticator, type VirtualAuthenticatorOptions } from '../helpers/browser.ts';
import { request } from '../helpers/http.ts';
import { expectProblem } from '../helpers/problem.ts';
import { securityEventsOf } from '../helpers/security-events.ts';
import { uniqueSub } from '../helpers/sign-in.ts';
import { withAssertion } from '../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { ceremonyPageUrl } from '../helpers/webauthn.ts';
import { enroll, responseOf, signIn, started, webauthnRoutes, type Caller, type WebAuthnRoutes } from '../helpers/webauthn-methods.ts';
import { TestSocket, wsUrl } from '../helpers/ws-client.ts';

// FIDO2 and TOUCHID end to end through the service's own method routes: the service makes the
// options, the test page calls navigator.credentials.* in headless Chromium, a CDP virtual
// authenticator answers, and the page's response goes back to the service. One browser and one
// tab serve the file; each test attaches its own authenticator.

const enabled = browserTestsEnabled('tests/e2e/webauthn-methods-browser.test.ts');

let server: TestServer;
let otherPort: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: CeremonyPage;
let routes: WebAuthnRoutes;

beforeAll(async () => {
  if (!enabled) return;
  server = await startTestServer();
  otherPort = await startServer(server.deps, [actionsService], 0);
  browser = await launchChromium();
  context = await browser.newContext();
  page = await CeremonyPage.open(context, ceremonyPageUrl(server.url));
  routes = webauthnRoutes(server, page.origin);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await otherPort?.close();
  await server?.close();
});

const SECURITY_KEY: VirtualAuthenticatorOptions = { transport: 'usb', hasUserVerification: true, isUserVerified: true };
const SECURITY_KEY_WITHOUT_UV: VirtualAuthenticatorOptions = { transport: 'usb', hasUserVerification: false, isUserVerified: false };
const PLATFORM: VirtualAuthenticatorOptions = { transport: 'internal', hasUserVerification: true, isUserVerified: true };
const PLATFORM_WITHOUT_UV: VirtualAuthenticatorOptions = { transport: 'internal', hasUserVerification: false, isUserVerified: false };
/** Keeps no resident credentials, so one virtual key can stand in for two keys of one user. */
const NON_RESIDENT_KEY: VirtualAuthenticatorOptions = { ...SECURITY_KEY, hasResidentKey: false };

/** Runs `test` with a fresh authenticator on the shared page, removed afterwards. */
async function withAuthenticator<T>(options: VirtualAuthenticatorOptions, test: (authenticator: VirtualAuthenticator) => Promise<T>): Promise<T> {
  const authenticator = await VirtualAuthenticator.attach(page.page, options);
  try {
    return await test(authenticator);
  } finally {
    await authenticator.detach();
  }
}

async function user(prefix: string, tenant = 'webauthn'): Promise<Caller & { sub: string; tenant: string }> {
  const sub = uniqueSub(prefix);
  return { sub, tenant, token: await server.token({ sub, tenant }) };
}

/** Signs in with the user's key and returns the caller with the step-up assertion it earned. */
async function steppedUp(caller: Caller, type: 'fido2' | 'touchid' = 'fido2'): Promise<Caller> {
  const { result } = await signIn(routes, page, type, caller);
  expect(result.status).toBe(200);
  return { ...caller, headers: withAssertion(result.body.assertion as string) };
}

async function authenticatorRow(phId: string) {
  const { rows } = await server.deps.db.query<{ counter: string; data: Record<string, unknown>; friendly_name: string }>(
    'SELECT counter, data, friendly_name FROM authenticators WHERE ph_id = $1',
    [phId],
  );
  return rows[0];
}

describe.skipIf(!enabled)('FIDO2 enrollment in Chromium', () => {
  it('offers creation options for any authenticator (attestation none, ES256/EdDSA/RS256, UV preferred) and enrolls a security key', async () => {
    const alice = await user('fido2-enroll');
    await withAuthenticator(SECURITY_KEY, async () => {
      const { offer, response, result } = await enroll(routes, page, 'fido2', alice);
      expect(offer.options).toMatchObject({
        rp: { id: 'localhost', name: 'webauthn' },
        attestation: 'none',
        excludeCredentials: [],
        pubKeyCredParams: [{ alg: -7 }, { alg: -8 }, { alg: -257 }].map((p) => ({ ...p, type: 'public-key' })),
        authenticatorSelection: { userVerification: 'preferred' },
      });
      expect(offer.options.user.name).toBe(alice.sub);
      expect(offer.options.user.id).not.toContain(Buffer.from(alice.sub).toString('base64url'));
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ status: 'ENROLLED', verification_type: 'FIDO2', sub: alice.sub, status_id: offer.status_id });

      const row = await authenticatorRow(result.body.ph_id as string);
      expect(row).toMatchObject({
        counter: '1',
        friendly_name: 'Security key',
        data: {
          credential_id: response.id,
          transports: ['usb'],
          aaguid: '00000000-0000-0000-0000-000000000000',
          device_type: 'singleDevice',
          backed_up: false,
          user_verified: true,
          attestation_format: 'none',
        },
      });
      expect((row!.data.public_key as string).length).toBeGreaterThan(60);
      expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'ENROLLED', ph_id: result.body.ph_id });
    });
  });

  it('lists the key with its default name, which the user can rename', async () => {
    const bob = await user('fido2-devices');
    await withAuthenticator(SECURITY_KEY, async () => {
      const { result } = await enroll(routes, page, 'fido2', bob);
      const phId = result.body.ph_id as string;
      expect((await routes.devices(bob.token)).body).toEqual([expect.objectContaining({ ph_id: phId, verification_type: 'FIDO2', friendly_name: 'Security key' })]);
      const renamed = await request(`${server.url}/verification-actions-srv/setup/users/friendlyname/fido2`, {
        method: 'PUT',
        token: bob.token,
        body: { ph_id: phId, friendly_name: 'Blue key' },
      });
      expect(renamed.status).toBe(200);
      expect((await routes.devices(bob.token)).body).toEqual([expect.objectContaining({ ph_id: phId, friendly_name: 'Blue key' })]);
    });
  });

  it('accepts the response under cidaas\' name fido2_client_response', async () => {
    const carol = await user('fido2-alias');
    await withAuthenticator(SECURITY_KEY, async () => {
      const offer = started(await routes.initiate('fido2', carol));
      const response = responseOf(await page.register<RegistrationResponseJSON>(offer.options));
      const result = await routes.complete('fido2', carol, { exchange_id: offer.exchange_id.exchange_id, fido2_client_response: response });
      expect(result.body).toMatchObject({ status: 'ENROLLED' });
    });
  });

  it('enrolls and signs in with a key that cannot verify the user (UV off): FIDO2 only prefers it', async () => {
    const dave = await user('fido2-no-uv');
    await withAuthenticator(SECURITY_KEY_WITHOUT_UV, async () => {
      const { result } = await enroll(routes, page, 'fido2', dave);
      expect(result.body).toMatchObject({ status: 'ENROLLED' });
      expect((await authenticatorRow(result.body.ph_id as string))!.data.user_verified).toBe(false);
      const signedIn = await signIn(routes, page, 'fido2', dave);
      expect(signedIn.result.body).toMatchObject({ status: 'AUTHENTICATED', ph_id: result.body.ph_id });
    });
  });

  it('a second registration of the same key is refused by the browser (excludeCredentials), the enrollment stays open', async () => {
    const erin = await user('fido2-excluded');
    await withAuthenticator(SECURITY_KEY, async () => {
      const first = await enroll(routes, page, 'fido2', erin);
      const caller = await steppedUp(erin);
      const offer = started(await routes.initiate('fido2', caller));
      expect(offer.options.excludeCredentials).toEqual([{ id: first.response.id, type: 'public-key', transports: ['usb'] }]);
      expect(await page.register(offer.options)).toMatchObject({ ok: false, error: { name: 'InvalidStateError' } });
      expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
    });
  });

  it('a registration response replayed into another enrollment answers the wrong challenge (400 VER_0083)', async () => {
    const frank = await user('fido2-replay');
    await withAuthenticator(SECURITY_KEY, async () => {
      const first = await enroll(routes, page, 'fido2', frank);
      const caller = await steppedUp(frank);
      const offer = started(await routes.initiate('fido2', caller));
      expectProblem(await routes.complete('fido2', caller, { exchange_id: offer.exchange_id.exchange_id, credential: first.response }), 400, 'VER_0083');
    });
  });
});

describe.skipIf(!enabled)('TOUCHID enrollment in Chromium', () => {
  it('asks for the platform authenticator with UV required, names it "Touch ID", and signs in with UV', async () => {
    const gina = await user('touchid-enroll');
    await withAuthenticator(PLATFORM, async () => {
      const { offer, result } = await enroll(routes, page, 'touchid', gina);
      expect(offer.options.authenticatorSelection).toMatchObject({ authenticatorAttachment: 'platform', userVerification: 'required' });
      expect(result.body).toMatchObject({ status: 'ENROLLED', verification_type: 'TOUCHID' });
      expect(await authenticatorRow(result.body.ph_id as string)).toMatchObject({ friendly_name: 'Touch ID', data: { transports: ['internal'], user_verified: true } });
      const signedIn = await signIn(routes, page, 'touchid', gina);
      expect(signedIn.offer.options.userVerification).toBe('required');
      expect(signedIn.result.body).toMatchObject({ status: 'AUTHENTICATED', verification_type: 'TOUCHID' });
    });
  });

  it('refuses a registration without user verification (UV off), even when the page asked for less (400 VER_0084)', async () => {
    const hank = await user('touchid-no-uv');
    await withAuthenticator(PLATFORM_WITHOUT_UV, async () => {
      const offer = started(await routes.initiate('touchid', hank));
      const lowered = { ...offer.options, authenticatorSelection: { ...offer.options.authenticatorSelection, userVerification: 'preferred' } };
      const response = responseOf(await page.register<RegistrationResponseJSON>(lowered));
      expectProblem(await routes.complete('touchid', hank, { exchange_id: offer.exchange_id.exchange_id, credential: response }), 400, 'VER_0084');
      expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
    });
  });

  it('refuses a security key, which is not the device\'s own authenticator (400 VER_0089)', async () => {
    const iris = await user('touchid-key');
    await withAuthenticator(SECURITY_KEY, async () => {
      const offer = started(await routes.initiate('touchid', iris));
      const anyAuthenticator = { ...offer.options, authenticatorSelection: { ...offer.options.authenticatorSelection, authenticatorAttachment: undefined } };
      const response = responseOf(await page.register<RegistrationResponseJSON>(anyAuthenticator));
      expectProblem(await routes.complete('touchid', iris, { exchange_id: offer.exchange_id.exchange_id, credential: response }), 400, 'VER_0089');
    });
  });

  it('a platform authenticator registered as TOUCHID is excluded from a FIDO2 registration too', async () => {
    const jack = await user('touchid-then-fido2');
    await withAuthenticator(PLATFORM, async () => {
      const first = await enroll(routes, page, 'touchid', jack);
      const caller = await steppedUp(jack, 'touchid');
      const offer = started(await routes.initiate('fido2', caller));
      expect(offer.options.excludeCredentials!.map((c) => c.id)).toEqual([first.response.id]);
      expect(await page.register(offer.options)).toMatchObject({ ok: false, error: { name: 'InvalidStateError' } });
    });
  });
});

describe.skipIf(!enabled)('FIDO2 sign-in in Chromium', () => {
  it('offers request options naming the user\'s credentials, and each sign-in moves the stored counter forward', async () => {
    const kate = await user('fido2-sign-in');
    await withAuthenticator(SECURITY_KEY, async () => {
      const { response, result } = await enroll(routes, page, 'fido2', kate);
      const phId = result.body.ph_id as string;
      const first = await signIn(routes, page, 'fido2', kate);
      expect(first.offer.options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', allowCredentials: [{ id: response.id, type: 'public-key' }] });
      expect(first.result.body).toMatchObject({ status: 'AUTHENTICATED', verification_type: 'FIDO2', ph_id: phId, status_id: first.offer.status_id });
      expect(first.result.body.assertion).toEqual(expect.any(String));
      expect((await routes.status(first.offer.status_id)).body).toMatchObject({ status: 'AUTHENTICATED', ph_id: phId });
      expect((await authenticatorRow(phId))!.counter).toBe('2');
      await signIn(routes, page, 'fido2', kate);
      expect((await authenticatorRow(phId))!.counter).toBe('3');
    });
  });

  it('a watcher of the challenge sees it become AUTHENTICATED over the WebSocket', async () => {
    const liam = await user('fido2-ws');
    await withAuthenticator(SECURITY_KEY, async () => {
      await enroll(routes, page, 'fido2', liam);
      const offer = started(await routes.challenge('fido2', liam));
      const socket = await TestSocket.open(wsUrl(server.url, `?status_id=${offer.status_id}`));
      try {
        expect((await socket.next()).data?.status).toBe('INITIATED');
        const response = responseOf(await page.authenticate<AuthenticationResponseJSON>(offer.options));
        expect((await routes.answer('fido2', liam, { exchange_id: offer.exchange_id.exchange_id, credential: response })).status).toBe(200);
        expect((await socket.next()).data?.status).toBe('AUTHENTICATED');
      } finally {
        socket.close();
      }
    });
  });

  it('the same registration response sent twice at once enrolls once (the other: 409 VER_0032)', async () => {
    const ruth = await user('fido2-race-enroll');
    await withAuthenticator(SECURITY_KEY, async () => {
      const offer = started(await routes.initiate('fido2', ruth));
      const response = responseOf(await page.register<RegistrationResponseJSON>(offer.options));
      const body = { exchange_id: offer.exchange_id.exchange_id, credential: response };
      const answers = await Promise.all([routes.complete('fido2', ruth, body), routes.complete('fido2', ruth, body)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ code: 'VER_0032' });
      expect((await routes.devices(ruth.token)).body).toHaveLength(1);
    });
  });

  it('the same assertion sent twice at once signs in once (the other: 409 VER_0025)', async () => {
    const sam = await user('fido2-race-sign-in');
    await withAuthenticator(SECURITY_KEY, async () => {
      await enroll(routes, page, 'fido2', sam);
      const offer = started(await routes.challenge('fido2', sam));
      const response = responseOf(await page.authenticate<AuthenticationResponseJSON>(offer.options));
      const body = { exchange_id: offer.exchange_id.exchange_id, credential: response };
      const answers = await Promise.all([routes.answer('fido2', sam, body), routes.answer('fido2', sam, body)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ code: 'VER_0025' });
    });
  });

  it('the same assertion sent twice signs in once (409 VER_0025)', async () => {
    const mia = await user('fido2-twice');
    await withAuthenticator(SECURITY_KEY, async () => {
      await enroll(routes, page, 'fido2', mia);
      const { offer, response, result } = await signIn(routes, page, 'fido2', mia);
      expect(result.status).toBe(200);
      expectProblem(await routes.answer('fido2', mia, { exchange_id: offer.exchange_id.exchange_id, credential: response }), 409, 'VER_0025');
    });
  });

  it('a counter wound back through CDP (a cloned key) is refused with 403 VER_0085 and a clone warning in the security log', async () => {
    const noah = await user('fido2-clone');
    await withAuthenticator(SECURITY_KEY, async (authenticator) => {
      const { response, result } = await enroll(routes, page, 'fido2', noah);
      const phId = result.body.ph_id as string;
      expect((await signIn(routes, page, 'fido2', noah)).result.status).toBe(200);

      await authenticator.setSignCount(response.id, 0);
      const cloned = await signIn(routes, page, 'fido2', noah);
      expectProblem(cloned.result, 403, 'VER_0085');
      expect((await routes.status(cloned.offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
      expect((await authenticatorRow(phId))!.counter).toBe('2');
      expect(securityEventsOf(server, noah.sub)).toContainEqual({
        event: 'authentication.clone_warning',
        tenant: noah.tenant,
        sub: noah.sub,
        type: 'FIDO2',
        outcome: 'failure',
        ph_id: phId,
        stored_counter: 2,
        received_counter: 1,
      });
      const admin = await server.token({ sub: 'auditor', tenant: noah.tenant, scope: 'verification:admin' });
      const audit = await auditClient(server).list(admin, `sub=${noah.sub}&event=authentication.clone_warning`);
      expect(audit.body.items).toEqual([
        expect.objectContaining({ event: 'authentication.clone_warning', ph_id: phId, outcome: 'failure', details: { stored_counter: 2, received_counter: 1 } }),
      ]);
    });
  });

  it('an assertion of a credential removed meanwhile is refused (400 VER_0087); removal needs step-up', async () => {
    const olga = await user('fido2-removed');
    await withAuthenticator(NON_RESIDENT_KEY, async () => {
      const first = await enroll(routes, page, 'fido2', olga);
      // A second key: the same virtual one, told nothing of the first credential.
      const caller = await steppedUp(olga);
      const offer2 = started(await routes.initiate('fido2', caller));
      const created = responseOf(await page.register<RegistrationResponseJSON>({ ...offer2.options, excludeCredentials: [] }));
      const second = { response: created, result: await routes.complete('fido2', caller, { exchange_id: offer2.exchange_id.exchange_id, credential: created }) };
      expect(second.result.body).toMatchObject({ status: 'ENROLLED' });

      const offer = started(await routes.challenge('fido2', olga));
      expect(offer.options.allowCredentials).toHaveLength(2);
      expectProblem(await routes.removeDevice(olga, first.result.body.ph_id as string), 401, 'VER_0014');
      const removed = await routes.removeDevice(await steppedUp(olga), first.result.body.ph_id as string);
      expect(removed.status).toBe(204);

      // The browser may pick either credential of the options; the removed one must be refused.
      const onlyRemoved = { ...offer.options, allowCredentials: offer.options.allowCredentials!.filter((c) => c.id === first.response.id) };
      const response = responseOf(await page.authenticate<AuthenticationResponseJSON>(onlyRemoved));
      expectProblem(await routes.answer('fido2', olga, { exchange_id: offer.exchange_id.exchange_id, credential: response }), 400, 'VER_0087');
      const next = started(await routes.challenge('fido2', olga));
      expect(next.options.allowCredentials!.map((c) => c.id)).toEqual([second.response.id]);
    });
  });
});

describe.skipIf(!enabled)('origins', () => {
  it('with the tenant\'s origins set, a page on another origin is refused before any ceremony (403 VER_0081)', async () => {
    const tenant = 'webauthn-origins';
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    const configured = await request(`${server.url}/verification-srv/config/fido2`, { method: 'PUT', token: admin, body: { settings: { origins: [page.origin], rp_name: 'Acme' } } });
    expect(configured.status).toBe(200);
    const pia = await user('origin', tenant);
    const elsewhere = new URL(ceremonyPageUrl(otherPort.url)).origin;
    expectProblem(await routes.initiate('fido2', { ...pia, origin: elsewhere }), 403, 'VER_0081');
    await withAuthenticator(SECURITY_KEY, async () => {
      const { offer, result } = await enroll(routes, page, 'fido2', pia);
      expect(offer.options.rp).toEqual({ id: 'localhost', name: 'Acme' });
      expect(result.body).toMatchObject({ status: 'ENROLLED' });
      expectProblem(await routes.challenge('fido2', { ...pia, origin: elsewhere }), 403, 'VER_0081');
    });
  });

  it('a response made on a page of another origin is refused even when relayed with an allowed Origin (403 VER_0081)', async () => {
    const tenant = 'webauthn-relay';
    const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
    await request(`${server.url}/verification-srv/config/fido2`, { method: 'PUT', token: admin, body: { settings: { origins: [page.origin] } } });
    const quinn = await user('relay', tenant);
    const phishing = await CeremonyPage.open(context, ceremonyPageUrl(otherPort.url));
    const authenticator = await VirtualAuthenticator.attach(phishing.page, SECURITY_KEY);
    try {
      const offer = started(await routes.initiate('fido2', quinn));
      const response = responseOf(await phishing.register<RegistrationResponseJSON>(offer.options));
      expectProblem(await routes.complete('fido2', quinn, { exchange_id: offer.exchange_id.exchange_id, credential: response }), 403, 'VER_0081');
      expect((await routes.status(offer.status_id)).body).toMatchObject({ status: 'INITIATED' });
    } finally {
      await authenticator.detach();
      await phishing.close();
    }
  });
});

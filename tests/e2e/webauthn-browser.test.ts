import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsService } from '../../services/actions/index.ts';
import type { RunningServer } from '../../shared/runtime/http-server.ts';
import { startServer } from '../../shared/runtime/start-server.ts';
import { authenticationOptions, verifyAuthentication, type CloneWarning } from '../../shared/webauthn/authentication.ts';
import type { StoredCredential } from '../../shared/webauthn/credential.ts';
import type { WebAuthnMethod } from '../../shared/webauthn/method-profiles.ts';
import { registrationOptions, verifyRegistration, type RegisteredCredential } from '../../shared/webauthn/registration.ts';
import { resolveRelyingParty, type RelyingParty } from '../../shared/webauthn/relying-party.ts';
import { userHandle } from '../../shared/webauthn/user-handle.ts';
import { browserTestsEnabled, CeremonyPage, launchChromium, VirtualAuthenticator, type VirtualAuthenticatorOptions } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { ceremonyPageUrl, cloneWarnings, FIXTURES_DIR, loadFixtures, localRelyingParty, memoryChallenge, registeredCredential } from '../helpers/webauthn.ts';
import { recordScenario, SCENARIOS, writeFixtures } from '../helpers/webauthn-recorder.ts';

// The ceremonies end to end: options from the service's functions, the service's test page
// calling navigator.credentials.* in headless Chromium, a CDP virtual authenticator answering,
// and the service's functions verifying. (The FIDO2/TOUCHID endpoints come with the method
// modules; these tests pin the ceremony they will wrap.)

const enabled = browserTestsEnabled('tests/e2e/webauthn-browser.test.ts');
const RECORD = ['1', 'true'].includes(process.env.RECORD_WEBAUTHN_FIXTURES ?? '');
const HANDLE_KEY = Buffer.alloc(32, 9);

let server: TestServer;
let otherPort: RunningServer;
let browser: Browser;
let context: BrowserContext;
/** One tab of the test page serves every test on the main origin: each brings its own authenticator. */
let mainPage: CeremonyPage;

beforeAll(async () => {
  if (!enabled) return;
  server = await startTestServer();
  // The same service on a second port: another origin of the same RP ID.
  otherPort = await startServer(server.deps, [actionsService], 0);
  browser = await launchChromium();
  context = await browser.newContext();
  mainPage = await CeremonyPage.open(context, ceremonyPageUrl(server.url));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await otherPort?.close();
  await server?.close();
});

interface Session {
  page: CeremonyPage;
  authenticator: VirtualAuthenticator;
  rp: RelyingParty;
  close(): Promise<void>;
}

/**
 * The test page with a fresh virtual authenticator: the shared tab, or a new one on `url` (another
 * origin). Opening a tab costs about a second on a busy machine; attaching an authenticator, ms.
 */
async function session(authenticator: VirtualAuthenticatorOptions, url?: string): Promise<Session> {
  const page = url ? await CeremonyPage.open(context, url) : mainPage;
  const virtual = await VirtualAuthenticator.attach(page.page, authenticator);
  return {
    page,
    authenticator: virtual,
    rp: localRelyingParty(page.origin),
    async close() {
      await virtual.detach();
      if (page !== mainPage) await page.close();
    },
  };
}

const SECURITY_KEY: VirtualAuthenticatorOptions = { transport: 'usb', hasUserVerification: true, isUserVerified: true };
const SECURITY_KEY_WITHOUT_UV: VirtualAuthenticatorOptions = { transport: 'usb', hasUserVerification: false, isUserVerified: false };
const PLATFORM: VirtualAuthenticatorOptions = { transport: 'internal', hasUserVerification: true, isUserVerified: true };
const PLATFORM_WITHOUT_UV: VirtualAuthenticatorOptions = { transport: 'internal', hasUserVerification: false, isUserVerified: false };

async function creationOptions(rp: RelyingParty, method: WebAuthnMethod, existing: readonly StoredCredential[] = []) {
  return registrationOptions({
    method,
    rp,
    user: { handle: userHandle(HANDLE_KEY, 'acme', 'alice@example.com'), name: 'alice@example.com' },
    existingCredentials: existing,
  });
}

/** Registers a credential in the browser and verifies it as `method` would. */
async function register(s: Session, method: WebAuthnMethod, existing: readonly StoredCredential[] = []): Promise<RegisteredCredential> {
  const options = await creationOptions(s.rp, method, existing);
  const created = await s.page.register<RegistrationResponseJSON>(options);
  if (!created.ok) throw new Error(`registration refused: ${created.error.name}`);
  return verifyRegistration({
    method,
    rp: s.rp,
    response: created.response,
    challenge: memoryChallenge(options.challenge),
    existingCredentialIds: existing.map((c) => c.id),
  });
}

/** Runs a sign-in ceremony in the browser, returning the options and what the browser answered. */
async function signInCeremony(s: Session, method: WebAuthnMethod, credentials: readonly StoredCredential[], tamper = (o: PublicKeyCredentialRequestOptionsJSON) => o) {
  const options = tamper(await authenticationOptions({ method, rp: s.rp, credentials }));
  return { options, result: await s.page.authenticate<AuthenticationResponseJSON>(options) };
}

/** Signs in through the browser and verifies the assertion, updating the stored counter as a method module would. */
async function signIn(s: Session, method: WebAuthnMethod, credential: StoredCredential, onCloneWarning: (w: CloneWarning) => void = () => {}) {
  const { options, result } = await signInCeremony(s, method, [credential]);
  if (!result.ok) throw new Error(`sign-in refused: ${result.error.name}`);
  const verified = await verifyAuthentication({
    method,
    rp: s.rp,
    response: result.response,
    challenge: memoryChallenge(options.challenge),
    credentials: [credential],
    onCloneWarning,
  });
  credential.counter = verified.newCounter;
  return verified;
}

describe.skipIf(!enabled)('WebAuthn in headless Chromium: FIDO2', () => {
  it('registers a security key and stores what sign-in needs, named "Security key"', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      expect(credential).toMatchObject({
        counter: 1,
        transports: ['usb'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        deviceType: 'singleDevice',
        backedUp: false,
        userVerified: true,
        attestationFormat: 'none',
        friendlyName: 'Security key',
      });
      const [onAuthenticator] = await s.authenticator.credentials();
      expect(Buffer.from(onAuthenticator!.credentialId, 'base64').toString('base64url')).toBe(credential.id);
      expect(credential.publicKey.length).toBeGreaterThan(60);
    } finally {
      await s.close();
    }
  });

  it('signs in with the registered key, and each sign-in moves the counter forward', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      expect((await signIn(s, 'FIDO2', credential)).newCounter).toBe(2);
      expect((await signIn(s, 'FIDO2', credential)).newCounter).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('accepts an authenticator that cannot verify the user, at registration and sign-in (options ask "preferred", verification agrees)', async () => {
    const s = await session(SECURITY_KEY_WITHOUT_UV);
    try {
      const credential = await register(s, 'FIDO2');
      expect(credential.userVerified).toBe(false);
      const verified = await signIn(s, 'FIDO2', credential);
      expect(verified.userVerified).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('a key the user already registered is refused by the browser (excludeCredentials → InvalidStateError)', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      const again = await s.page.register(await creationOptions(s.rp, 'FIDO2', [credential]));
      expect(again).toMatchObject({ ok: false, error: { name: 'InvalidStateError' } });
      expect(await s.authenticator.credentials()).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});

describe.skipIf(!enabled)('WebAuthn in headless Chromium: TOUCHID', () => {
  it('registers the platform authenticator with user verification, named "Touch ID", and signs in', async () => {
    const s = await session(PLATFORM);
    try {
      const options = await creationOptions(s.rp, 'TOUCHID');
      expect(options.authenticatorSelection).toMatchObject({ authenticatorAttachment: 'platform', userVerification: 'required' });
      const credential = await register(s, 'TOUCHID');
      expect(credential).toMatchObject({ transports: ['internal'], userVerified: true, friendlyName: 'Touch ID' });
      expect((await signIn(s, 'TOUCHID', credential)).userVerified).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('a platform authenticator that cannot verify the user is refused by the browser', async () => {
    const s = await session(PLATFORM_WITHOUT_UV);
    try {
      const result = await s.page.register(await creationOptions(s.rp, 'TOUCHID'));
      expect(result).toMatchObject({ ok: false, error: { name: 'NotAllowedError' } });
    } finally {
      await s.close();
    }
  });

  it('a registration without user verification is refused even when the client asked for less', async () => {
    const s = await session(PLATFORM_WITHOUT_UV);
    try {
      // A client that ran FIDO2's options (UV preferred) and sends the result as TOUCHID.
      const options = await creationOptions(s.rp, 'FIDO2');
      const created = await s.page.register<RegistrationResponseJSON>(options);
      expect(created.ok).toBe(true);
      const challenge = memoryChallenge(options.challenge);
      await expect(
        verifyRegistration({ method: 'TOUCHID', rp: s.rp, response: created.ok ? created.response : ({} as RegistrationResponseJSON), challenge, existingCredentialIds: [] }),
      ).rejects.toMatchObject({ code: 'VER_0084' });
      expect(challenge.consumed).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('a sign-in without user verification is refused even when the client asked for less', async () => {
    const s = await session(PLATFORM);
    try {
      const credential = await register(s, 'TOUCHID');
      const { options, result } = await signInCeremony(s, 'TOUCHID', [credential], (o) => ({ ...o, userVerification: 'discouraged' }));
      expect(result.ok).toBe(true);
      await expect(
        verifyAuthentication({
          method: 'TOUCHID',
          rp: s.rp,
          response: result.ok ? result.response : ({} as AuthenticationResponseJSON),
          challenge: memoryChallenge(options.challenge),
          credentials: [credential],
          onCloneWarning: () => {},
        }),
      ).rejects.toMatchObject({ code: 'VER_0084' });
    } finally {
      await s.close();
    }
  });
});

describe.skipIf(!enabled)('WebAuthn in headless Chromium: what an attacker or a lost key looks like', () => {
  it('a signature counter wound back (a cloned key) is refused and raises a clone warning', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      await signIn(s, 'FIDO2', credential);
      expect(credential.counter).toBe(2);

      await s.authenticator.setSignCount(credential.id, 0);
      const { warnings, onCloneWarning } = cloneWarnings();
      await expect(signIn(s, 'FIDO2', credential, onCloneWarning)).rejects.toMatchObject({ code: 'VER_0085' });
      expect(warnings).toEqual([{ credentialId: credential.id, storedCounter: 2, receivedCounter: 1 }]);
      expect(credential.counter).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a signature counter that stays equal is refused too', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      await signIn(s, 'FIDO2', credential);
      await s.authenticator.setSignCount(credential.id, 1);
      const { warnings, onCloneWarning } = cloneWarnings();
      await expect(signIn(s, 'FIDO2', credential, onCloneWarning)).rejects.toMatchObject({ code: 'VER_0085' });
      expect(warnings).toEqual([{ credentialId: credential.id, storedCounter: 2, receivedCounter: 2 }]);
    } finally {
      await s.close();
    }
  });

  it('a ceremony run on another origin of the same RP ID is refused', async () => {
    const s = await session(SECURITY_KEY, ceremonyPageUrl(otherPort.url));
    try {
      const allowed = localRelyingParty(new URL(ceremonyPageUrl(server.url)).origin);
      const options = await creationOptions(allowed, 'FIDO2');
      const created = await s.page.register<RegistrationResponseJSON>(options);
      expect(created.ok).toBe(true);
      const response = created.ok ? created.response : ({} as RegistrationResponseJSON);
      await expect(
        verifyRegistration({ method: 'FIDO2', rp: allowed, response, challenge: memoryChallenge(options.challenge), existingCredentialIds: [] }),
      ).rejects.toMatchObject({ code: 'VER_0081' });
      // The same origin is refused before any ceremony when the request comes from it.
      expect(() =>
        resolveRelyingParty({
          settings: { origins: [...allowed.origins] },
          publicBaseUrl: undefined,
          production: false,
          requestOrigin: s.page.origin,
          defaultName: 'Acme',
        }),
      ).toThrow(expect.objectContaining({ code: 'VER_0081' }));
    } finally {
      await s.close();
    }
  });

  it('a page on 127.0.0.1 cannot use the localhost RP ID: the browser refuses', async () => {
    const s = await session(SECURITY_KEY, ceremonyPageUrl(server.url, '127.0.0.1'));
    try {
      const result = await s.page.register(await creationOptions(localRelyingParty(new URL(ceremonyPageUrl(server.url)).origin), 'FIDO2'));
      expect(result).toMatchObject({ ok: false, error: { name: 'SecurityError' } });
    } finally {
      await s.close();
    }
  });

  it('once the credential is removed from the authenticator, sign-in fails in the browser', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      await s.authenticator.removeCredential(credential.id);
      const { result } = await signInCeremony(s, 'FIDO2', [credential]);
      expect(result).toMatchObject({ ok: false, error: { name: 'NotAllowedError' } });
    } finally {
      await s.close();
    }
  });

  it('an assertion of a credential the user deleted meanwhile is refused as unknown', async () => {
    const s = await session(SECURITY_KEY);
    try {
      const credential = await register(s, 'FIDO2');
      const { options, result } = await signInCeremony(s, 'FIDO2', [credential]);
      expect(result.ok).toBe(true);
      await expect(
        verifyAuthentication({
          method: 'FIDO2',
          rp: s.rp,
          response: result.ok ? result.response : ({} as AuthenticationResponseJSON),
          challenge: memoryChallenge(options.challenge),
          credentials: [],
          onCloneWarning: () => {},
        }),
      ).rejects.toMatchObject({ code: 'VER_0087' });
    } finally {
      await s.close();
    }
  });
});

describe.skipIf(!enabled)('WebAuthn fixtures recorded by the browser', () => {
  it('records every scenario, and what it records verifies (RECORD_WEBAUTHN_FIXTURES=1 rewrites tests/fixtures/webauthn)', async () => {
    const dir = RECORD ? FIXTURES_DIR : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'webauthn-fixtures-'))}/`);
    try {
      const recorded = [];
      for (const scenario of SCENARIOS) recorded.push(await recordScenario(mainPage, scenario));
      writeFixtures(dir, recorded);

      const written = loadFixtures(dir);
      expect([...written.keys()].sort()).toEqual(SCENARIOS.map((s) => s.scenario).sort());
      for (const fixture of written.values()) {
        const credential = await registeredCredential(fixture);
        await verifyAuthentication({
          method: fixture.method,
          rp: fixture.rp,
          response: fixture.authentication.response,
          challenge: memoryChallenge(fixture.authentication.options.challenge),
          credentials: [credential],
          onCloneWarning: () => {},
        });
      }
      // The committed fixtures cover the same scenarios (re-record when a scenario is added).
      expect([...loadFixtures().keys()].sort()).toEqual(SCENARIOS.map((s) => s.scenario).sort());
    } finally {
      if (!RECORD) rmSync(new URL(dir), { recursive: true, force: true });
    }
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { authenticationOptions } from '../../shared/webauthn/authentication.ts';
import type { WebAuthnMethod } from '../../shared/webauthn/method-profiles.ts';
import { registrationOptions, verifyRegistration } from '../../shared/webauthn/registration.ts';
import { userHandle } from '../../shared/webauthn/user-handle.ts';
import { CeremonyPage, VirtualAuthenticator, type VirtualAuthenticatorOptions } from './browser.ts';
import { localRelyingParty, memoryChallenge, type WebAuthnFixture } from './webauthn.ts';

/** One recorded ceremony pair: which method, which algorithm, which kind of authenticator. */
export interface Scenario {
  scenario: string;
  description: string;
  method: WebAuthnMethod;
  /** The only COSE algorithm offered, so the authenticator has to use it. */
  algorithm: -7 | -8 | -257;
  authenticator: VirtualAuthenticatorOptions;
}

export const SCENARIOS: Scenario[] = [
  {
    scenario: 'fido2-es256-security-key',
    description: 'FIDO2, ES256, a USB security key that verifies the user',
    method: 'FIDO2',
    algorithm: -7,
    authenticator: { transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  },
  {
    scenario: 'fido2-eddsa-security-key-without-uv',
    description: 'FIDO2, EdDSA, a USB security key that cannot verify the user (UV flag clear)',
    method: 'FIDO2',
    algorithm: -8,
    authenticator: { transport: 'usb', hasResidentKey: true, hasUserVerification: false, isUserVerified: false },
  },
  {
    scenario: 'fido2-rs256-security-key',
    description: 'FIDO2, RS256, a USB security key that verifies the user',
    method: 'FIDO2',
    algorithm: -257,
    authenticator: { transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  },
  {
    scenario: 'touchid-es256-platform',
    description: 'TOUCHID, ES256, the platform authenticator verifying the user',
    method: 'TOUCHID',
    algorithm: -7,
    authenticator: { transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  },
];

const HANDLE_KEY = Buffer.alloc(32, 7);

/**
 * Runs one scenario on the test page with a fresh virtual authenticator: options made by the service's functions
 * (narrowed to the scenario's algorithm), registration, then one sign-in, each answered by a
 * CDP virtual authenticator. The registration is verified before signing in, so a fixture is
 * only ever written from ceremonies that worked.
 */
export async function recordScenario(page: CeremonyPage, scenario: Scenario): Promise<WebAuthnFixture> {
  const authenticator = await VirtualAuthenticator.attach(page.page, scenario.authenticator);
  try {
    const rp = localRelyingParty(page.origin);
    const offered = await registrationOptions({
      method: scenario.method,
      rp,
      user: { handle: userHandle(HANDLE_KEY, 'acme', 'alice@example.com'), name: 'alice@example.com' },
      existingCredentials: [],
    });
    const registrationOptionsJSON: PublicKeyCredentialCreationOptionsJSON = {
      ...offered,
      pubKeyCredParams: offered.pubKeyCredParams.filter((p) => p.alg === scenario.algorithm),
    };
    const created = await page.register<RegistrationResponseJSON>(registrationOptionsJSON);
    if (!created.ok) throw new Error(`${scenario.scenario}: registration refused by the browser: ${created.error.name} ${created.error.message}`);
    const credential = await verifyRegistration({
      method: scenario.method,
      rp,
      response: created.response,
      challenge: memoryChallenge(registrationOptionsJSON.challenge),
      existingCredentialIds: [],
    });

    const requestOptionsJSON = await authenticationOptions({ method: scenario.method, rp, credentials: [credential] });
    const asserted = await page.authenticate<AuthenticationResponseJSON>(requestOptionsJSON);
    if (!asserted.ok) throw new Error(`${scenario.scenario}: sign-in refused by the browser: ${asserted.error.name} ${asserted.error.message}`);

    return {
      scenario: scenario.scenario,
      description: scenario.description,
      recordedWith: { browser: `Chromium ${page.page.context().browser()?.version() ?? 'unknown'}`, authenticator: scenario.authenticator },
      method: scenario.method,
      rp,
      registration: { options: registrationOptionsJSON, response: created.response },
      authentication: { options: requestOptionsJSON, response: asserted.response },
    };
  } finally {
    await authenticator.detach();
  }
}

/** Writes fixtures as `<scenario>.json` into `dir`. */
export function writeFixtures(dir: URL, fixtures: WebAuthnFixture[]): void {
  mkdirSync(dir, { recursive: true });
  for (const fixture of fixtures) {
    writeFileSync(new URL(`${fixture.scenario}.json`, dir), `${JSON.stringify(fixture, null, 2)}\n`);
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { DEV_WEBAUTHN_PATH } from '../../services/actions/dev-webauthn/routes.ts';
import type { Authenticator } from '../../shared/authenticators/authenticator.ts';
import { credentialData } from '../../shared/methods/webauthn/stored-credential.ts';
import type { CloneWarning } from '../../shared/webauthn/authentication.ts';
import type { ExpectedChallenge } from '../../shared/webauthn/challenge.ts';
import type { WebAuthnMethod } from '../../shared/webauthn/method-profiles.ts';
import { verifyRegistration, type RegisteredCredential } from '../../shared/webauthn/registration.ts';
import type { RelyingParty } from '../../shared/webauthn/relying-party.ts';
import type { VirtualAuthenticatorOptions } from './browser.ts';

export const FIXTURES_DIR = new URL('../fixtures/webauthn/', import.meta.url);

/** The service's WebAuthn test page as a browser must open it: on `localhost` (a secure context and a valid RP ID). */
export function ceremonyPageUrl(serverUrl: string, host = 'localhost'): string {
  const url = new URL(DEV_WEBAUTHN_PATH, serverUrl);
  url.hostname = host;
  return url.toString();
}

/** The relying party of a page on `origin` (a localhost page, as in development). */
export function localRelyingParty(origin: string): RelyingParty {
  return { id: 'localhost', name: 'Acme', origins: [origin] };
}

/** A challenge spent at most once, in memory: what a method module does with a conditional UPDATE. */
export interface MemoryChallenge extends ExpectedChallenge {
  readonly consumed: boolean;
}

export function memoryChallenge(value: string): MemoryChallenge {
  let consumed = false;
  return {
    value,
    get consumed() {
      return consumed;
    },
    async consume() {
      if (consumed) return false;
      consumed = true;
      return true;
    },
  };
}

/** Collects clone warnings, as the caller's security log would. */
export function cloneWarnings(): { warnings: CloneWarning[]; onCloneWarning: (w: CloneWarning) => void } {
  const warnings: CloneWarning[] = [];
  return { warnings, onCloneWarning: (w) => void warnings.push(w) };
}

/** One ceremony pair recorded by a real browser against a CDP virtual authenticator. */
export interface WebAuthnFixture {
  scenario: string;
  description: string;
  recordedWith: { browser: string; authenticator: VirtualAuthenticatorOptions };
  method: WebAuthnMethod;
  rp: RelyingParty;
  registration: { options: PublicKeyCredentialCreationOptionsJSON; response: RegistrationResponseJSON };
  authentication: { options: PublicKeyCredentialRequestOptionsJSON; response: AuthenticationResponseJSON };
}

/** The committed fixtures, by scenario name. */
export function loadFixtures(dir: URL = FIXTURES_DIR): Map<string, WebAuthnFixture> {
  const fixtures = new Map<string, WebAuthnFixture>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as WebAuthnFixture;
    fixtures.set(fixture.scenario, fixture);
  }
  return fixtures;
}

/** The credential the fixture's recorded registration yields, as the service verifies it. */
export function registeredCredential(f: WebAuthnFixture): Promise<RegisteredCredential> {
  return verifyRegistration({
    method: f.method,
    rp: f.rp,
    response: f.registration.response,
    challenge: memoryChallenge(f.registration.options.challenge),
    existingCredentialIds: [],
  });
}

/** The authenticator row a completed enrollment of the fixture's credential inserts for `owner`. */
export async function credentialRow(f: WebAuthnFixture, owner: { phId: string; tenantId: string; sub: string; createdAt: Date }): Promise<Authenticator> {
  const registered = await registeredCredential(f);
  return {
    ...owner,
    verificationType: f.method,
    enrollmentStatusId: null,
    deviceId: null,
    pushId: null,
    publicKey: null,
    friendlyName: registered.friendlyName,
    secret: null,
    // Through JSON, as jsonb stores it.
    data: JSON.parse(JSON.stringify(credentialData(registered))),
    counter: registered.counter,
    lastUsedAt: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Tampering with recorded responses

const decode = (b64url: string) => Buffer.from(b64url, 'base64url');
const encode = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** The assertion with one byte of its signature flipped. */
export function withFlippedSignatureByte(response: AuthenticationResponseJSON): AuthenticationResponseJSON {
  const signature = decode(response.response.signature);
  signature[signature.length - 3]! ^= 0x01;
  return { ...response, response: { ...response.response, signature: encode(signature) } };
}

/** The assertion with its clientDataJSON rewritten (what an attacker relaying a response would do). */
export function withClientData(response: AuthenticationResponseJSON, patch: Record<string, unknown>): AuthenticationResponseJSON {
  const clientData = JSON.parse(decode(response.response.clientDataJSON).toString('utf8')) as Record<string, unknown>;
  const clientDataJSON = encode(Buffer.from(JSON.stringify({ ...clientData, ...patch }), 'utf8'));
  return { ...response, response: { ...response.response, clientDataJSON } };
}

type CBORType = Parameters<typeof isoCBOR.encode>[0];

const FLAG_UV = 0x04;

function clearUvFlag(authData: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(authData);
  copy[32]! &= ~FLAG_UV;
  return copy;
}

/** The assertion with the authenticator's "user verified" flag cleared (the signature then no longer holds). */
export function assertionWithoutUv(response: AuthenticationResponseJSON): AuthenticationResponseJSON {
  const authenticatorData = encode(clearUvFlag(decode(response.response.authenticatorData)));
  return { ...response, response: { ...response.response, authenticatorData } };
}

/** The registration with the "user verified" flag cleared inside its attestation object. */
export function registrationWithoutUv(response: RegistrationResponseJSON): RegistrationResponseJSON {
  const attestation = isoCBOR.decodeFirst<Map<string, CBORType>>(decode(response.response.attestationObject));
  attestation.set('authData', clearUvFlag(attestation.get('authData') as Uint8Array));
  return { ...response, response: { ...response.response, attestationObject: encode(isoCBOR.encode(attestation)) } };
}

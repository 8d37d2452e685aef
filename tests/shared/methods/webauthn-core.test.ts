import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../../../shared/authenticators/authenticator.ts';
import { profileVerificationBody, signInVerificationBody } from '../../../shared/methods/webauthn/bodies.ts';
import { checkRequestOrigin, exchangeChallenge, readCeremony, storedCeremony } from '../../../shared/methods/webauthn/ceremony-state.ts';
import { credentialData, credentialOf } from '../../../shared/methods/webauthn/stored-credential.ts';
import { verifyAuthentication } from '../../../shared/webauthn/authentication.ts';
import { verifyRegistration } from '../../../shared/webauthn/registration.ts';
import { loadFixtures, memoryChallenge, type WebAuthnFixture } from '../../helpers/webauthn.ts';

// The FIDO2/TOUCHID modules' own pieces against responses a real browser recorded
// (tests/fixtures/webauthn): how a credential is stored and read back, the bodies, and the
// ceremony state kept with an exchange.

const fixtures = [...loadFixtures().values()];
const securityKey = fixtures.find((f) => f.scenario === 'fido2-es256-security-key')!;

async function register(f: WebAuthnFixture) {
  return verifyRegistration({
    method: f.method,
    rp: f.rp,
    response: f.registration.response,
    challenge: memoryChallenge(f.registration.options.challenge),
    existingCredentialIds: [],
  });
}

/** The authenticator row a completed enrollment inserts for the fixture's credential. */
async function storedRow(f: WebAuthnFixture): Promise<Authenticator> {
  const registered = await register(f);
  return {
    phId: '79e52278-80f4-488f-8adc-5ef3d4c4869d',
    tenantId: 'acme',
    sub: 'alice',
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
    createdAt: new Date(),
    lastUsedAt: null,
  };
}

describe('a stored credential', () => {
  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: read back from its row, it verifies the recorded assertion', async (_name, f) => {
    const credential = credentialOf(await storedRow(f));
    const verified = await verifyAuthentication({
      method: f.method,
      rp: f.rp,
      response: f.authentication.response,
      challenge: memoryChallenge(f.authentication.options.challenge),
      credentials: [credential],
      onCloneWarning: () => {},
    });
    expect(verified.credentialId).toBe(f.registration.response.id);
    expect(credential.phId).toBe('79e52278-80f4-488f-8adc-5ef3d4c4869d');
  });

  it('keeps the id, public key, transports, AAGUID, backup flags, UV and format, and nothing secret', async () => {
    const registered = await register(securityKey);
    expect(credentialData(registered)).toEqual({
      credential_id: securityKey.registration.response.id,
      public_key: Buffer.from(registered.publicKey).toString('base64url'),
      transports: ['usb'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      device_type: 'singleDevice',
      backed_up: false,
      user_verified: true,
      attestation_format: 'none',
    });
  });
});

describe('the verification bodies', () => {
  const response = securityKey.registration.response;
  const exchange_id = 'd5edcec1-d306-4cb8-8650-a3eb0330084d';

  it('take the response as credential, or as cidaas\' fido2_client_response, and hand it on as credential', () => {
    expect(profileVerificationBody.parse({ exchange_id, credential: response }).credential.id).toBe(response.id);
    const aliased = profileVerificationBody.parse({ exchange_id, fido2_client_response: response });
    expect(aliased.credential.id).toBe(response.id);
    expect(aliased).not.toHaveProperty('fido2_client_response');
  });

  it('refuse both names at once, or neither', () => {
    expect(profileVerificationBody.safeParse({ exchange_id, credential: response, fido2_client_response: response }).success).toBe(false);
    expect(profileVerificationBody.safeParse({ exchange_id }).success).toBe(false);
  });

  it('keep the sub a service token names at sign-in', () => {
    const body = signInVerificationBody.parse({ exchange_id, credential: securityKey.authentication.response, sub: 'alice' });
    expect(body).toMatchObject({ sub: 'alice', exchange_id });
  });
});

describe('the ceremony state of an exchange', () => {
  const rp = { id: 'localhost', name: 'Acme', origins: ['http://localhost:8080'] };

  it('reads back the challenge and relying party it was stored with', () => {
    expect(readCeremony(JSON.parse(JSON.stringify(storedCeremony('Y2hhbGxlbmdl', rp))))).toEqual({ challenge: 'Y2hhbGxlbmdl', rp });
  });

  it('spends the challenge once', async () => {
    const challenge = exchangeChallenge({ challenge: 'Y2hhbGxlbmdl', rp });
    expect(await challenge.consume()).toBe(true);
    expect(await challenge.consume()).toBe(false);
  });

  it('refuses a browser request from another origin, and lets a request without Origin through to the response checks', () => {
    expect(() => checkRequestOrigin('http://localhost:9999', rp)).toThrow(expect.objectContaining({ code: 'VER_0081' }));
    expect(() => checkRequestOrigin('http://localhost:8080', rp)).not.toThrow();
    expect(() => checkRequestOrigin(undefined, rp)).not.toThrow();
  });
});

import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../../shared/errors/problem.ts';
import type { WebAuthnMethod } from '../../../shared/webauthn/method-profiles.ts';
import { verifyRegistration } from '../../../shared/webauthn/registration.ts';
import type { RelyingParty } from '../../../shared/webauthn/relying-party.ts';
import { registrationResponseSchema } from '../../../shared/webauthn/response-schemas.ts';
import { loadFixtures, memoryChallenge, registrationWithoutUv, type WebAuthnFixture } from '../../helpers/webauthn.ts';

// Registration responses recorded by headless Chromium with a CDP virtual authenticator
// (tests/fixtures/webauthn, rewritten with RECORD_WEBAUTHN_FIXTURES=1 by the browser test).

const fixtures = loadFixtures();
const fixture = (name: string): WebAuthnFixture => fixtures.get(name)!;
const securityKey = fixture('fido2-es256-security-key');
const withoutUv = fixture('fido2-eddsa-security-key-without-uv');
const platform = fixture('touchid-es256-platform');

function verify(
  f: WebAuthnFixture,
  overrides: { method?: WebAuthnMethod; rp?: RelyingParty; response?: RegistrationResponseJSON; challenge?: string; existing?: string[] } = {},
) {
  const challenge = memoryChallenge(overrides.challenge ?? f.registration.options.challenge);
  const result = verifyRegistration({
    method: overrides.method ?? f.method,
    rp: overrides.rp ?? f.rp,
    response: overrides.response ?? f.registration.response,
    challenge,
    existingCredentialIds: overrides.existing ?? [],
  });
  return { result, challenge };
}

describe('verifyRegistration with responses recorded in Chromium', () => {
  it.each([...fixtures.values()].map((f) => [f.scenario, f] as const))('%s verifies and returns what to store', async (_name, f) => {
    const { result, challenge } = verify(f);
    const credential = await result;
    expect(credential.id).toBe(f.registration.response.id);
    expect(credential.counter).toBe(1);
    expect(credential.transports).toEqual([f.recordedWith.authenticator.transport]);
    expect(credential.userVerified).toBe(f.recordedWith.authenticator.isUserVerified);
    expect(credential).toMatchObject({ deviceType: 'singleDevice', backedUp: false, attestationFormat: 'none' });
    const offered = f.registration.options.pubKeyCredParams[0]!.alg;
    expect(decodeCredentialPublicKey(Uint8Array.from(credential.publicKey)).get(cose.COSEKEYS.alg)).toBe(offered);
    expect(challenge.consumed).toBe(true);
  });

  it('names a credential by its method when the AAGUID is not a known authenticator', async () => {
    expect((await verify(securityKey).result).friendlyName).toBe('Security key');
    expect((await verify(platform).result).friendlyName).toBe('Touch ID');
  });

  it('accepts a recorded response as the route schema parses it', async () => {
    const parsed = registrationResponseSchema.parse(securityKey.registration.response);
    await expect(verify(securityKey, { response: parsed }).result).resolves.toMatchObject({ id: securityKey.registration.response.id });
  });
});

describe('verifyRegistration refuses', () => {
  it('a replayed response: the challenge of the exchange is already spent', async () => {
    const challenge = memoryChallenge(securityKey.registration.options.challenge);
    const input = { method: 'FIDO2', rp: securityKey.rp, response: securityKey.registration.response, challenge, existingCredentialIds: [] } as const;
    await verifyRegistration(input);
    await expect(verifyRegistration(input)).rejects.toMatchObject({ code: 'VER_0083', message: expect.stringContaining('already used') });
  });

  it('a response to another challenge, without spending this one', async () => {
    const { result, challenge } = verify(securityKey, { challenge: platform.registration.options.challenge });
    await expect(result).rejects.toMatchObject({ code: 'VER_0083' });
    expect(challenge.consumed).toBe(false);
  });

  it('a ceremony that ran on an origin the relying party does not list', async () => {
    const rp = { ...securityKey.rp, origins: ['https://login.example.com'] };
    await expect(verify(securityKey, { rp }).result).rejects.toMatchObject({ code: 'VER_0081' });
  });

  it('a credential created for another RP ID', async () => {
    const rp = { ...securityKey.rp, id: 'example.com' };
    await expect(verify(securityKey, { rp }).result).rejects.toMatchObject({ code: 'VER_0082' });
  });

  it('for TOUCHID, an authenticator that did not verify the user', async () => {
    const response = registrationWithoutUv(platform.registration.response);
    await expect(verify(platform, { response }).result).rejects.toMatchObject({ code: 'VER_0084' });
    await expect(verify(withoutUv, { method: 'TOUCHID' }).result).rejects.toMatchObject({ code: 'VER_0084' });
  });

  it('for TOUCHID, a security key (not the platform authenticator)', async () => {
    await expect(verify(securityKey, { method: 'TOUCHID' }).result).rejects.toMatchObject({ code: 'VER_0089', message: expect.stringContaining('platform') });
  });

  it('a credential the user already registered (a client that ignored excludeCredentials)', async () => {
    const { result, challenge } = verify(securityKey, { existing: [securityKey.registration.response.id] });
    await expect(result).rejects.toMatchObject({ code: 'VER_0086' });
    expect(challenge.consumed).toBe(false);
  });

  it('an assertion presented as a registration', async () => {
    const response = {
      ...securityKey.registration.response,
      response: { ...securityKey.registration.response.response, clientDataJSON: securityKey.authentication.response.response.clientDataJSON },
    };
    await expect(verify(securityKey, { response }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });

  it.each([
    ['rawId differs from id', (r: RegistrationResponseJSON) => ({ ...r, rawId: platform.registration.response.rawId })],
    ['the id is not the attested credential', (r: RegistrationResponseJSON) => ({ ...r, id: platform.registration.response.id, rawId: platform.registration.response.id })],
    ['clientDataJSON is not JSON', (r: RegistrationResponseJSON) => ({ ...r, response: { ...r.response, clientDataJSON: 'bm90IGpzb24' } })],
    ['attestationObject is not CBOR', (r: RegistrationResponseJSON) => ({ ...r, response: { ...r.response, attestationObject: 'AAAA' } })],
    ['attestationObject is missing', (r: RegistrationResponseJSON) => ({ ...r, response: { ...r.response, attestationObject: undefined as unknown as string } })],
    ['the type is not public-key', (r: RegistrationResponseJSON) => ({ ...r, type: 'password' as 'public-key' })],
  ])('a malformed response (%s) as VER_0080, never a crash', async (_case, tamper) => {
    await expect(verify(securityKey, { response: tamper(securityKey.registration.response) }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });

  it('with errors a client sees as problem+json of their own codes, and no library message', async () => {
    const err = await verify(securityKey, { challenge: 'b3RoZXI' }).result.catch((e: unknown) => e);
    const problem = toProblem(err);
    expect(problem).toMatchObject({ status: 400, body: { code: 'VER_0083' } });
    expect(problem.body.detail).not.toContain(securityKey.registration.options.challenge);
  });
});

import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuthentication } from '../../../shared/webauthn/authentication.ts';
import type { StoredCredential } from '../../../shared/webauthn/credential.ts';
import type { WebAuthnMethod } from '../../../shared/webauthn/method-profiles.ts';
import type { RelyingParty } from '../../../shared/webauthn/relying-party.ts';
import { authenticationResponseSchema } from '../../../shared/webauthn/response-schemas.ts';
import {
  assertionWithoutUv,
  cloneWarnings,
  loadFixtures,
  memoryChallenge,
  registeredCredential,
  withClientData,
  withFlippedSignatureByte,
  type WebAuthnFixture,
} from '../../helpers/webauthn.ts';

// Assertions recorded by headless Chromium with a CDP virtual authenticator, verified against
// the credential their recorded registration yields.

const fixtures = loadFixtures();
const securityKey = fixtures.get('fido2-es256-security-key')!;
const platform = fixtures.get('touchid-es256-platform')!;
const credentials = new Map<string, StoredCredential>();

beforeAll(async () => {
  for (const f of fixtures.values()) {
    credentials.set(f.scenario, await registeredCredential(f));
  }
});

/** The credential as stored after registration, with its counter as given. */
function stored(f: WebAuthnFixture, counter?: number): StoredCredential {
  const credential = credentials.get(f.scenario)!;
  return { ...credential, counter: counter ?? credential.counter };
}

function verify(
  f: WebAuthnFixture,
  overrides: {
    method?: WebAuthnMethod;
    rp?: RelyingParty;
    response?: AuthenticationResponseJSON;
    challenge?: string;
    credentials?: StoredCredential[];
  } = {},
) {
  const challenge = memoryChallenge(overrides.challenge ?? f.authentication.options.challenge);
  const clones = cloneWarnings();
  const result = verifyAuthentication({
    method: overrides.method ?? f.method,
    rp: overrides.rp ?? f.rp,
    response: overrides.response ?? f.authentication.response,
    challenge,
    credentials: overrides.credentials ?? [stored(f)],
    onCloneWarning: clones.onCloneWarning,
  });
  return { result, challenge, warnings: clones.warnings };
}

describe('verifyAuthentication with assertions recorded in Chromium', () => {
  it.each([...fixtures.values()].map((f) => [f.scenario, f] as const))('%s verifies and moves the counter forward', async (_name, f) => {
    const { result, challenge, warnings } = verify(f);
    await expect(result).resolves.toEqual({
      credentialId: f.authentication.response.id,
      newCounter: 2,
      userVerified: f.recordedWith.authenticator.isUserVerified,
      deviceType: 'singleDevice',
      backedUp: false,
    });
    expect(challenge.consumed).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('finds the credential among all of the user\'s', async () => {
    const all = [...fixtures.values()].map((f) => stored(f));
    await expect(verify(platform, { credentials: all }).result).resolves.toMatchObject({ credentialId: platform.authentication.response.id });
  });

  it('accepts a recorded assertion as the route schema parses it', async () => {
    const response = authenticationResponseSchema.parse(securityKey.authentication.response);
    await expect(verify(securityKey, { response }).result).resolves.toMatchObject({ newCounter: 2 });
  });
});

describe('verifyAuthentication refuses', () => {
  it('an assertion whose signature was altered, without a clone warning or spending the challenge', async () => {
    const { result, challenge, warnings } = verify(securityKey, { response: withFlippedSignatureByte(securityKey.authentication.response) });
    await expect(result).rejects.toMatchObject({ code: 'VER_0080' });
    expect(challenge.consumed).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('an assertion relayed from another page with its origin rewritten to an allowed one (the signature covers it)', async () => {
    const rp = { ...securityKey.rp, origins: [...securityKey.rp.origins, 'http://localhost:1'] };
    const response = withClientData(securityKey.authentication.response, { origin: 'http://localhost:1' });
    await expect(verify(securityKey, { rp, response }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });

  it('an assertion of another challenge', async () => {
    const { result, challenge } = verify(securityKey, { challenge: platform.authentication.options.challenge });
    await expect(result).rejects.toMatchObject({ code: 'VER_0083' });
    expect(challenge.consumed).toBe(false);
  });

  it('a replayed assertion: its challenge is already spent', async () => {
    const challenge = memoryChallenge(securityKey.authentication.options.challenge);
    const input = {
      method: 'FIDO2',
      rp: securityKey.rp,
      response: securityKey.authentication.response,
      challenge,
      credentials: [stored(securityKey)],
      onCloneWarning: () => {},
    } as const;
    await verifyAuthentication(input);
    await expect(verifyAuthentication(input)).rejects.toMatchObject({ code: 'VER_0083', message: expect.stringContaining('already used') });
  });

  it('of two copies of one assertion verified at once, exactly one', async () => {
    const challenge = memoryChallenge(securityKey.authentication.options.challenge);
    const attempt = () =>
      verifyAuthentication({
        method: 'FIDO2',
        rp: securityKey.rp,
        response: securityKey.authentication.response,
        challenge,
        credentials: [stored(securityKey)],
        onCloneWarning: () => {},
      });
    const outcomes = await Promise.allSettled([attempt(), attempt()]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'VER_0083' } });
  });

  it('an assertion made on an origin the relying party does not list', async () => {
    const rp = { ...securityKey.rp, origins: ['https://login.example.com'] };
    await expect(verify(securityKey, { rp }).result).rejects.toMatchObject({ code: 'VER_0081' });
  });

  it('an assertion signed for another RP ID', async () => {
    const rp = { ...securityKey.rp, id: 'example.com' };
    await expect(verify(securityKey, { rp }).result).rejects.toMatchObject({ code: 'VER_0082' });
  });

  it('for TOUCHID, an assertion without user verification', async () => {
    const response = assertionWithoutUv(platform.authentication.response);
    await expect(verify(platform, { response }).result).rejects.toMatchObject({ code: 'VER_0084' });
  });

  it('for FIDO2, an assertion whose UV flag was cleared after signing (the signature covers the flags)', async () => {
    const response = assertionWithoutUv(securityKey.authentication.response);
    await expect(verify(securityKey, { response }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });

  it('a credential that is not one of the user\'s', async () => {
    const { result, challenge } = verify(securityKey, { credentials: [stored(platform)] });
    await expect(result).rejects.toMatchObject({ code: 'VER_0087' });
    expect(challenge.consumed).toBe(false);
  });

  it('an assertion checked against another credential\'s public key under its id', async () => {
    const impostor = { ...stored(platform), id: securityKey.authentication.response.id };
    await expect(verify(securityKey, { credentials: [impostor] }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });

  it('a registration response presented as an assertion', async () => {
    const response = {
      ...securityKey.authentication.response,
      response: { ...securityKey.authentication.response.response, clientDataJSON: securityKey.registration.response.response.clientDataJSON },
    };
    await expect(verify(securityKey, { response, challenge: securityKey.registration.options.challenge }).result).rejects.toMatchObject({
      code: 'VER_0080',
    });
  });

  it.each([
    ['authenticatorData is too short', (r: AuthenticationResponseJSON) => ({ ...r, response: { ...r.response, authenticatorData: 'AAAA' } })],
    ['signature is missing', (r: AuthenticationResponseJSON) => ({ ...r, response: { ...r.response, signature: '' } })],
    ['signature is not base64url', (r: AuthenticationResponseJSON) => ({ ...r, response: { ...r.response, signature: 'a+b/' } })],
    ['the response member is missing', (r: AuthenticationResponseJSON) => ({ ...r, response: undefined as unknown as AuthenticationResponseJSON['response'] })],
  ])('a malformed assertion (%s) as VER_0080, never a crash', async (_case, tamper) => {
    await expect(verify(securityKey, { response: tamper(securityKey.authentication.response) }).result).rejects.toMatchObject({ code: 'VER_0080' });
  });
});

describe('verifyAuthentication and the signature counter', () => {
  it('refuses a counter equal to the stored one and reports a possible clone', async () => {
    const { result, challenge, warnings } = verify(securityKey, { credentials: [stored(securityKey, 2)] });
    await expect(result).rejects.toMatchObject({ code: 'VER_0085' });
    expect(warnings).toEqual([{ credentialId: securityKey.authentication.response.id, storedCounter: 2, receivedCounter: 2 }]);
    expect(challenge.consumed).toBe(false);
  });

  it('refuses a counter lower than the stored one and reports a possible clone', async () => {
    const { result, warnings } = verify(securityKey, { credentials: [stored(securityKey, 41)] });
    await expect(result).rejects.toMatchObject({ code: 'VER_0085', status: 403 });
    expect(warnings).toEqual([{ credentialId: securityKey.authentication.response.id, storedCounter: 41, receivedCounter: 2 }]);
  });

  it('accepts a counter ahead of the stored one, even after a gap (the key was used elsewhere)', async () => {
    await expect(verify(securityKey, { credentials: [stored(securityKey, 0)] }).result).resolves.toMatchObject({ newCounter: 2 });
  });

  it('never reports a clone for an assertion whose signature does not hold', async () => {
    const response = withFlippedSignatureByte(securityKey.authentication.response);
    const { result, warnings } = verify(securityKey, { response, credentials: [stored(securityKey, 41)] });
    await expect(result).rejects.toMatchObject({ code: 'VER_0080' });
    expect(warnings).toEqual([]);
  });
});

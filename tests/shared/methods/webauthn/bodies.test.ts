import { describe, expect, it } from 'vitest';
import { profileVerificationBody, signInVerificationBody } from '../../../../shared/methods/webauthn/bodies.ts';
import { loadFixtures } from '../../../helpers/webauthn.ts';

// The FIDO2/TOUCHID verification bodies, with responses a real browser recorded.

const securityKey = loadFixtures().get('fido2-es256-security-key')!;

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

import { describe, expect, it } from 'vitest';
import { credentialData, credentialOf } from '../../../../shared/methods/webauthn/stored-credential.ts';
import { verifyAuthentication } from '../../../../shared/webauthn/authentication.ts';
import { credentialRow, loadFixtures, memoryChallenge, registeredCredential } from '../../../helpers/webauthn.ts';

// How FIDO2/TOUCHID store a credential in an authenticator row and read it back, against
// registrations and assertions a real browser recorded (tests/fixtures/webauthn).

const fixtures = [...loadFixtures().values()];
const securityKey = fixtures.find((f) => f.scenario === 'fido2-es256-security-key')!;
const PH_ID = '79e52278-80f4-488f-8adc-5ef3d4c4869d';

describe('a stored credential', () => {
  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: read back from its row, it verifies the recorded assertion', async (_name, f) => {
    const credential = credentialOf(await credentialRow(f, { phId: PH_ID, tenantId: 'acme', sub: 'alice', createdAt: new Date() }));
    const verified = await verifyAuthentication({
      method: f.method,
      rp: f.rp,
      response: f.authentication.response,
      challenge: memoryChallenge(f.authentication.options.challenge),
      credentials: [credential],
      onCloneWarning: () => {},
    });
    expect(verified.credentialId).toBe(f.registration.response.id);
    expect(credential.phId).toBe(PH_ID);
  });

  it('keeps the id, public key, transports, AAGUID, backup flags, UV and format, and nothing secret', async () => {
    const registered = await registeredCredential(securityKey);
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

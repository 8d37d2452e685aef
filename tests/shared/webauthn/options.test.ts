import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/env.ts';
import { authenticationOptions } from '../../../shared/webauthn/authentication.ts';
import { defaultFriendlyName } from '../../../shared/webauthn/authenticator-names.ts';
import { registrationOptions, type RegistrationOptionsInput } from '../../../shared/webauthn/registration.ts';
import { userHandle, userHandleKey } from '../../../shared/webauthn/user-handle.ts';

const rp = { id: 'example.com', name: 'Acme', origins: ['https://login.example.com'] };
const KEY = Buffer.alloc(32, 1);
const SUB = 'alice@example.com';

function forUser(method: RegistrationOptionsInput['method'], existingCredentials: RegistrationOptionsInput['existingCredentials'] = []) {
  return registrationOptions({ method, rp, user: { handle: userHandle(KEY, 'acme', SUB), name: SUB }, existingCredentials });
}

describe('registration options', () => {
  it('offer ES256, EdDSA and RS256 in that order and ask for no attestation', async () => {
    const options = await forUser('FIDO2');
    expect(options.pubKeyCredParams).toEqual([
      { alg: -7, type: 'public-key' },
      { alg: -8, type: 'public-key' },
      { alg: -257, type: 'public-key' },
    ]);
    expect(options.attestation).toBe('none');
    expect(options.rp).toEqual({ id: 'example.com', name: 'Acme' });
  });

  it('for FIDO2 accept any authenticator, with user verification preferred and no resident key needed', async () => {
    const options = await forUser('FIDO2');
    expect(options.authenticatorSelection).toEqual({ residentKey: 'discouraged', requireResidentKey: false, userVerification: 'preferred' });
    expect(options.hints).toEqual([]);
  });

  it('for TOUCHID ask for the platform authenticator with user verification required', async () => {
    const options = await forUser('TOUCHID');
    expect(options.authenticatorSelection).toEqual({
      authenticatorAttachment: 'platform',
      residentKey: 'preferred',
      requireResidentKey: false,
      userVerification: 'required',
    });
    expect(options.hints).toEqual(['client-device']);
  });

  it("exclude the user's existing credentials with their transports", async () => {
    const options = await forUser('FIDO2', [{ id: 'AQID', transports: ['usb', 'nfc'] }, { id: 'BAUG' }]);
    expect(options.excludeCredentials).toEqual([
      { id: 'AQID', type: 'public-key', transports: ['usb', 'nfc'] },
      { id: 'BAUG', type: 'public-key' },
    ]);
  });

  it('carry the opaque user handle as user.id, never the sub', async () => {
    const options = await forUser('FIDO2');
    expect(options.user.id).toBe(Buffer.from(userHandle(KEY, 'acme', SUB)).toString('base64url'));
    expect(Buffer.from(options.user.id, 'base64url').toString('latin1')).not.toContain('alice');
    expect(options.user).toMatchObject({ name: SUB, displayName: SUB });
  });

  it('carry a fresh 32-byte challenge each time', async () => {
    const [a, b] = await Promise.all([forUser('FIDO2'), forUser('FIDO2')]);
    expect(a.challenge).not.toBe(b.challenge);
    expect(Buffer.from(a.challenge, 'base64url')).toHaveLength(32);
  });
});

describe('authentication options', () => {
  const credentials = [{ id: 'AQID', transports: ['usb'] as const }, { id: 'BAUG', transports: ['internal', 'hybrid'] as const }];

  it("name exactly the user's credentials, with their transports", async () => {
    const options = await authenticationOptions({ method: 'FIDO2', rp, credentials });
    expect(options.rpId).toBe('example.com');
    expect(options.allowCredentials).toEqual([
      { id: 'AQID', type: 'public-key', transports: ['usb'] },
      { id: 'BAUG', type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
  });

  it('ask for user verification as the method does: FIDO2 preferred, TOUCHID required', async () => {
    expect((await authenticationOptions({ method: 'FIDO2', rp, credentials })).userVerification).toBe('preferred');
    expect((await authenticationOptions({ method: 'TOUCHID', rp, credentials })).userVerification).toBe('required');
  });

  it('are refused for a user with no credential (an empty list would let any passkey of the site answer)', async () => {
    await expect(authenticationOptions({ method: 'FIDO2', rp, credentials: [] })).rejects.toMatchObject({ code: 'VER_0043' });
  });

  it('pass the timeout through', async () => {
    expect((await authenticationOptions({ method: 'FIDO2', rp, credentials, timeoutMs: 120_000 })).timeout).toBe(120_000);
  });
});

describe('user handle', () => {
  it('is the same for the same tenant and user', () => {
    expect(userHandle(KEY, 'acme', SUB)).toEqual(userHandle(KEY, 'acme', SUB));
    expect(userHandle(KEY, 'acme', SUB)).toHaveLength(32);
  });

  it('differs between tenants, users and keys, without ambiguity in how they are joined', () => {
    const handles = [
      userHandle(KEY, 'acme', SUB),
      userHandle(KEY, 'other', SUB),
      userHandle(KEY, 'acme', 'bob@example.com'),
      userHandle(Buffer.alloc(32, 2), 'acme', SUB),
      userHandle(KEY, 'ab', 'c'),
      userHandle(KEY, 'a', 'bc'),
    ].map((h) => Buffer.from(h).toString('hex'));
    expect(new Set(handles).size).toBe(handles.length);
  });

  it('is derived with a key of its own, not the SECRET_KEY itself', () => {
    const config = loadConfig({ SECRET_KEY: 'b'.repeat(64), JWT_SECRET: 'x'.repeat(40) });
    const key = userHandleKey(config.secretKeyring);
    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.from('b'.repeat(64), 'hex'))).toBe(false);
    expect(userHandleKey(loadConfig({ SECRET_KEY: 'b'.repeat(64), JWT_SECRET: 'x'.repeat(40) }).secretKeyring)).toEqual(key);
  });
});

describe('default friendly names', () => {
  it('name well-known authenticators by their AAGUID, in any letter case', () => {
    expect(defaultFriendlyName('FIDO2', 'ee882879-721c-4913-9775-3dfcce97072a')).toBe('YubiKey 5 Series');
    expect(defaultFriendlyName('FIDO2', 'EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4')).toBe('Google Password Manager');
    expect(defaultFriendlyName('TOUCHID', '08987058-cadc-4b81-b6e1-30de50dcbe96')).toBe('Windows Hello');
  });

  it('fall back to the method: "Security key" for FIDO2, "Touch ID" for TOUCHID', () => {
    expect(defaultFriendlyName('FIDO2', '00000000-0000-0000-0000-000000000000')).toBe('Security key');
    expect(defaultFriendlyName('TOUCHID', '01020304-0506-0708-0102-030405060708')).toBe('Touch ID');
  });
});

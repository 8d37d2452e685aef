import { describe, expect, it } from 'vitest';
import { generateSecret, openSecret, sealSecret, SecretBoxError, type SealedSecret } from '../../../shared/otp/index.ts';
import { keyringWith } from './helpers.ts';

const OWNER = 'tenant-1:alice';

function expectSecretBoxError(open: () => unknown, code: SecretBoxError['code']): SecretBoxError {
  let caught: unknown;
  try {
    open();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SecretBoxError);
  expect((caught as SecretBoxError).code).toBe(code);
  return caught as SecretBoxError;
}

function flipByte(sealed: SealedSecret, index: number): SealedSecret {
  const ciphertext = Buffer.from(sealed.ciphertext);
  ciphertext[index] = (ciphertext[index] ?? 0) ^ 0x01;
  return { ...sealed, ciphertext };
}

describe('secret box (AES-256-GCM at rest)', () => {
  it('opens what it sealed', () => {
    const keyring = keyringWith('k1');
    const secret = generateSecret();
    expect(openSecret(keyring, sealSecret(keyring, secret, OWNER), OWNER)).toBe(secret);
  });

  it('records the id of the active key it sealed with', () => {
    const keyring = keyringWith('k2', 'k1');
    expect(sealSecret(keyring, generateSecret(), OWNER).keyId).toBe('k2');
  });

  it('stores a 12-byte IV and a 16-byte tag ahead of the data', () => {
    const keyring = keyringWith('k1');
    expect(sealSecret(keyring, generateSecret(), OWNER).ciphertext).toHaveLength(12 + 16 + 32);
  });

  it('does not contain the plaintext bytes', () => {
    const keyring = keyringWith('k1');
    const secret = generateSecret();
    expect(sealSecret(keyring, secret, OWNER).ciphertext.includes(Buffer.from(secret))).toBe(false);
  });

  it('uses a different IV every time it seals', () => {
    const keyring = keyringWith('k1');
    const ivs = new Set(Array.from({ length: 50 }, () => sealSecret(keyring, 'same', OWNER).ciphertext.subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(50);
  });

  it('refuses to open a ciphertext copied to another owner (DECRYPT_FAILED)', () => {
    const keyring = keyringWith('k1');
    const sealed = sealSecret(keyring, generateSecret(), OWNER);
    expectSecretBoxError(() => openSecret(keyring, sealed, 'tenant-1:mallory'), 'DECRYPT_FAILED');
  });

  it.each([
    ['IV', 0],
    ['tag', 12],
    ['data', 28],
  ])('refuses to open a ciphertext with a tampered %s byte (DECRYPT_FAILED)', (_part, index) => {
    const keyring = keyringWith('k1');
    const sealed = sealSecret(keyring, generateSecret(), OWNER);
    expectSecretBoxError(() => openSecret(keyring, flipByte(sealed, index), OWNER), 'DECRYPT_FAILED');
  });

  it('refuses to open a truncated ciphertext (DECRYPT_FAILED)', () => {
    const keyring = keyringWith('k1');
    const sealed = sealSecret(keyring, generateSecret(), OWNER);
    expectSecretBoxError(() => openSecret(keyring, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 20) }, OWNER), 'DECRYPT_FAILED');
  });

  it('refuses a key id the keyring does not hold (UNKNOWN_KEY)', () => {
    const keyring = keyringWith('k1');
    const sealed = sealSecret(keyring, generateSecret(), OWNER);
    expectSecretBoxError(() => openSecret(keyring, { ...sealed, keyId: 'k9' }, OWNER), 'UNKNOWN_KEY');
  });

  it('keeps the plaintext and key out of the error message', () => {
    const keyring = keyringWith('k1');
    const secret = generateSecret();
    const sealed = sealSecret(keyring, secret, OWNER);
    const key = keyring.keys.get('k1') ?? Buffer.alloc(0);
    const err = expectSecretBoxError(() => openSecret(keyring, sealed, 'other'), 'DECRYPT_FAILED');
    for (const leak of [secret, key.toString('hex'), key.toString('base64')]) expect(err.message).not.toContain(leak);
  });

  it('still opens a secret sealed with the previous key after the active key changes', () => {
    const before = keyringWith('k1');
    const secret = generateSecret();
    const sealed = sealSecret(before, secret, OWNER);
    const after = { activeKeyId: 'k2', keys: new Map([...before.keys, ...keyringWith('k2').keys]) };
    expect(openSecret(after, sealed, OWNER)).toBe(secret);
  });
});

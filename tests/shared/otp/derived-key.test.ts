import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivedKey } from '../../../shared/otp/derived-key.ts';
import type { SecretKeyring } from '../../../shared/otp/secret-box.ts';

const k1 = Buffer.alloc(32, 1);
const keyring = { activeKeyId: 'k1', keys: new Map([['k1', k1]]) } as unknown as SecretKeyring;
const codes = { salt: '', info: 'verification-srv one-time code mac' };
const backup = { salt: 'verification-srv', info: 'backup-code HMAC-SHA256 v1' };

describe('derivedKey', () => {
  it('is HKDF-SHA256 of the keyring key with the purpose’s salt and info, so stored MACs keep matching', () => {
    expect(derivedKey(keyring, 'k1', backup)).toEqual(Buffer.from(hkdfSync('sha256', k1, 'verification-srv', 'backup-code HMAC-SHA256 v1', 32)));
    expect(derivedKey(keyring, 'k1', codes)).toEqual(Buffer.from(hkdfSync('sha256', k1, Buffer.alloc(0), 'verification-srv one-time code mac', 32)));
  });

  it('gives each purpose its own key, and never the keyring key itself', () => {
    const a = derivedKey(keyring, 'k1', codes)!;
    const b = derivedKey(keyring, 'k1', backup)!;
    expect(a.equals(b)).toBe(false);
    expect(a.equals(k1)).toBe(false);
  });

  it('is undefined for a key id the keyring does not hold', () => {
    expect(derivedKey(keyring, 'gone', codes)).toBeUndefined();
  });
});

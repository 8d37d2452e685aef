import { describe, expect, it } from 'vitest';
import { codeMatches, generateCode, macCode } from '../../../shared/methods/code/one-time-code.ts';
import type { SecretKeyring } from '../../../shared/otp/secret-box.ts';

// The codes SMS and EMAIL send: drawn from the CSPRNG, kept only as an HMAC bound to the
// exchange, compared in constant time, still checkable after the key is rotated.

const keyring = (active: string, ...ids: string[]): SecretKeyring => ({
  activeKeyId: active,
  keys: new Map(ids.map((id) => [id, Buffer.alloc(32, id)])),
});
const EXCHANGE = '3c1d0bde-8f4e-4d6f-9a0e-6c1b1f4a2b10';
const OTHER_EXCHANGE = '9a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';

describe('generateCode', () => {
  it('has exactly the digits asked for, leading zeros kept', () => {
    for (const digits of [4, 6, 8, 10]) {
      for (let i = 0; i < 200; i++) expect(generateCode(digits)).toMatch(new RegExp(`^[0-9]{${digits}}$`));
    }
  });

  it('uses every digit in every position about equally often', () => {
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 20_000; i++) [...generateCode(6)].forEach((d, position) => counts[position]![Number(d)]!++);
    // 2,000 expected per cell; 6 standard deviations is about 255.
    for (const row of counts) for (const n of row) expect(Math.abs(n - 2_000)).toBeLessThan(300);
  });
});

describe('macCode and codeMatches', () => {
  it('keeps no trace of the code but a 256-bit MAC', () => {
    const stored = macCode(keyring('k1', 'k1'), EXCHANGE, '048213');
    expect(stored.keyId).toBe('k1');
    expect(stored.mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stored.mac).not.toContain('048213');
  });

  it('matches the code it was made for, and no other', () => {
    const ring = keyring('k1', 'k1');
    const stored = macCode(ring, EXCHANGE, '048213');
    expect(codeMatches(ring, stored, EXCHANGE, '048213')).toBe(true);
    expect(codeMatches(ring, stored, EXCHANGE, '048214')).toBe(false);
    expect(codeMatches(ring, stored, EXCHANGE, '48213')).toBe(false);
  });

  it('binds the code to its exchange: the same code sent for another exchange does not match', () => {
    const ring = keyring('k1', 'k1');
    expect(codeMatches(ring, macCode(ring, EXCHANGE, '048213'), OTHER_EXCHANGE, '048213')).toBe(false);
  });

  it('still checks a code MACed before the key was rotated, and nothing once that key is gone', () => {
    const stored = macCode(keyring('k1', 'k1'), EXCHANGE, '048213');
    expect(codeMatches(keyring('k2', 'k2', 'k1'), stored, EXCHANGE, '048213')).toBe(true);
    expect(codeMatches(keyring('k2', 'k2'), stored, EXCHANGE, '048213')).toBe(false);
  });

  it('refuses a tampered MAC of another length without throwing', () => {
    const ring = keyring('k1', 'k1');
    expect(codeMatches(ring, { keyId: 'k1', mac: 'AAAA' }, EXCHANGE, '048213')).toBe(false);
  });
});

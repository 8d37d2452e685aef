import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../../shared/otp/index.ts';

describe('generateSecret', () => {
  it('is 32 characters of the RFC 4648 base32 alphabet, without padding', () => {
    expect(generateSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('decodes to 20 bytes (160 bits)', () => {
    expect(Secret.fromBase32(generateSecret()).bytes).toHaveLength(20);
  });

  it('is different every call', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateSecret));
    expect(secrets.size).toBe(100);
  });
});

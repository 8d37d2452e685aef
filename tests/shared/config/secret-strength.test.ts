import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MIN_SECRET_BITS,
  databasePasswordWeakness,
  estimateEntropyBits,
  estimateKeyEntropyBits,
  keyWeakness,
  secretWeakness,
} from '../../../shared/config/secret-strength.ts';

describe('estimateEntropyBits passes what a generator makes', () => {
  // Many draws, because a rule that refused a random secret even rarely would bite an operator.
  it.each([
    ['openssl rand -hex 32', () => randomBytes(32).toString('hex')],
    ['openssl rand -base64 32', () => randomBytes(32).toString('base64')],
    ['32 bytes as base64url', () => randomBytes(32).toString('base64url')],
    ['48 bytes as base64', () => randomBytes(48).toString('base64')],
  ])('%s, 300 times out of 300', (_name, generate) => {
    const weakest = Math.min(...Array.from({ length: 300 }, () => estimateEntropyBits(generate())));
    expect(weakest).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
  });

  it('credits random hex with 4 bits a character', () => {
    expect(estimateEntropyBits(randomBytes(32).toString('hex'))).toBe(256);
  });

  it('passes 32 random key bytes', () => {
    const weakest = Math.min(...Array.from({ length: 300 }, () => estimateKeyEntropyBits(randomBytes(32))));
    expect(weakest).toBe(256);
  });
});

describe('estimateEntropyBits refuses what a person types', () => {
  it.each([
    ['64 times one character', 'a'.repeat(64)],
    ['a short pattern repeated', 'abc'.repeat(22)],
    ['a 16-character pattern repeated', '0123456789abcdef'.repeat(4)],
    ['a counting run', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'],
    ['a 64-digit number', '1234567890'.repeat(6) + '1234'],
    ['64 random decimal digits', Array.from(randomBytes(64), (byte) => String(byte % 10)).join('')],
    ['31 random bytes in hex', randomBytes(31).toString('hex')],
    ['a random secret pasted twice', randomBytes(16).toString('hex').repeat(2)],
  ])('%s', (_name, secret) => {
    expect(estimateEntropyBits(secret)).toBeLessThan(MIN_SECRET_BITS);
  });

  it('counts a key of one repeated byte as one 4-byte run', () => {
    expect(estimateKeyEntropyBits(Buffer.alloc(32))).toBe(32);
  });

  it('counts a key of counting bytes (00 01 02 …) as a run, not as 32 novel bytes', () => {
    expect(estimateKeyEntropyBits(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBeLessThan(64);
  });
});

describe('secretWeakness', () => {
  it('names a value the caller says is published without repeating it', () => {
    const reason = secretWeakness('my-own-default-value-0123456789abcdefghijklmnop', ['my-own-default-value-0123456789abcdefghijklmnop']);
    expect(reason).toMatch(/published/);
    expect(reason).not.toContain('my-own-default');
  });

  it('refuses the JWT secret docker-compose.yml once committed', () => {
    expect(secretWeakness('compose-local-jwt-secret-change-me-0123456789')).toMatch(/published/);
  });

  it('refuses a placeholder whatever its length', () => {
    expect(secretWeakness(`CHANGE_ME-${randomBytes(32).toString('base64')}`)).toMatch(/placeholder/);
  });

  it('says how many bits a weak secret has and how to generate a good one', () => {
    expect(secretWeakness('a'.repeat(64))).toMatch(/estimated 32 bits .* needs 256 .*openssl rand/);
  });

  it('accepts a generated secret', () => {
    expect(secretWeakness(randomBytes(32).toString('base64'))).toBeUndefined();
  });
});

describe('keyWeakness', () => {
  it('refuses an all-zero key', () => {
    expect(keyWeakness(Buffer.alloc(32))).toMatch(/all zero/);
  });

  it('refuses a key of one repeated byte', () => {
    expect(keyWeakness(Buffer.alloc(32, 0x42))).toMatch(/one byte repeated/);
  });

  it('refuses the key docker-compose.yml once committed', () => {
    expect(keyWeakness(Buffer.from('00112233445566778899aabbccddeeff'.repeat(2), 'hex'))).toMatch(/published/);
  });

  it('refuses a key that repeats a pattern', () => {
    expect(keyWeakness(Buffer.from(randomBytes(8).toString('hex').repeat(4), 'hex'))).toMatch(/not random/);
  });

  it('accepts a generated key', () => {
    expect(keyWeakness(randomBytes(32))).toBeUndefined();
  });
});

describe('databasePasswordWeakness', () => {
  it('refuses the password docker-compose.yml once committed', () => {
    expect(databasePasswordWeakness('postgres://verification:verification@postgres:5432/verification')).toMatch(/placeholder/);
  });

  it('accepts a URL without a password (the server authenticates otherwise)', () => {
    expect(databasePasswordWeakness('postgres://verification@db/verification')).toBeUndefined();
  });

  it('accepts a generated password', () => {
    expect(databasePasswordWeakness(`postgres://verification:${randomBytes(24).toString('hex')}@db/verification`)).toBeUndefined();
  });
});

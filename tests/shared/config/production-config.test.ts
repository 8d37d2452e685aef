import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../../../shared/config/env.ts';
import { productionEnv } from '../../helpers/production.ts';
import { TEST_JWT_SECRET, TEST_SECRET_KEY } from '../../helpers/test-server.ts';

/** The ConfigError a production environment with `overrides` is refused with. */
function refusal(overrides: Record<string, string>): ConfigError {
  try {
    loadConfig(productionEnv(overrides));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected production with ${JSON.stringify(Object.keys(overrides))} to be refused`);
}

const hex = (bytes: Buffer) => bytes.toString('hex');

describe('production refuses a JWT_SECRET anyone could know or guess', () => {
  it.each([
    ['the development default', DEVELOPMENT_JWT_SECRET],
    ["docker-compose.yml's former placeholder", 'compose-local-jwt-secret-change-me-0123456789'],
    ["the tests' secret", TEST_JWT_SECRET],
    ['64 times one character', 'x'.repeat(64)],
    ['a short pattern repeated', 'secret'.repeat(11)],
    ['fewer than 32 random bytes', randomBytes(24).toString('base64')],
    ['a placeholder', `replace-me-${randomBytes(32).toString('hex')}`],
  ])('%s', (_name, secret) => {
    const err = refusal({ JWT_SECRET: secret });
    expect(err.variable).toBe('JWT_SECRET');
    expect(err.message).not.toContain(secret);
  });
});

describe('production refuses an encryption key that is not random', () => {
  it.each([
    ['all zero', hex(Buffer.alloc(32))],
    ['one repeated byte (hex)', 'ab'.repeat(32)],
    ['one repeated byte (base64)', Buffer.alloc(32, 7).toString('base64')],
    ["the tests' key", TEST_SECRET_KEY],
    ["docker-compose.yml's former placeholder", '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'],
  ])('SECRET_KEY %s', (_name, key) => {
    expect(refusal({ SECRET_KEY: key }).variable).toBe('SECRET_KEY');
  });

  it('refuses an all-zero key among PREVIOUS_SECRET_KEYS, naming its id', () => {
    const err = refusal({ PREVIOUS_SECRET_KEYS: `old1:${hex(randomBytes(32))},old2:${hex(Buffer.alloc(32))}` });
    expect(err.variable).toBe('PREVIOUS_SECRET_KEYS');
    expect(err.message).toContain('old2');
  });

  it('refuses a repeated-byte key among PREVIOUS_SECRET_KEYS', () => {
    expect(refusal({ PREVIOUS_SECRET_KEYS: `old:${'cd'.repeat(32)}` }).variable).toBe('PREVIOUS_SECRET_KEYS');
  });

  it('accepts generated previous keys', () => {
    const config = loadConfig(productionEnv({ PREVIOUS_SECRET_KEYS: `old:${hex(randomBytes(32))}` }));
    expect([...config.secretKeyring.keys.keys()].sort()).toEqual(['k1', 'old']);
  });
});

describe('production refuses other published values', () => {
  it("refuses docker-compose.yml's former database password", () => {
    expect(refusal({ DATABASE_URL: 'postgres://verification:verification@postgres:5432/verification' }).variable).toBe('DATABASE_URL');
  });
});

describe('production needs PUBLIC_BASE_URL', () => {
  it('refuses to start without it, naming it', () => {
    const env = productionEnv();
    delete env.PUBLIC_BASE_URL;
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ variable: 'PUBLIC_BASE_URL' }));
  });

  it('runs with it', () => {
    expect(loadConfig(productionEnv({ PUBLIC_BASE_URL: 'https://mfa.example.com' })).publicBaseUrl).toBe('https://mfa.example.com');
  });
});

describe('outside production', () => {
  it('accepts weak secrets, for tests and first runs', () => {
    const config = loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'x'.repeat(64), SECRET_KEY: hex(Buffer.alloc(32)) });
    expect(config.production).toBe(false);
  });

  it('does without PUBLIC_BASE_URL (URIs then name the request origin)', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).publicBaseUrl).toBeUndefined();
  });
});

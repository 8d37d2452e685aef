import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/env.ts';

const JWT_SECRET = 'a-jwt-secret-that-is-at-least-32-characters-long';
const NEW_KEY = 'ab'.repeat(32);
const OLD_KEY = 'cd'.repeat(32);
const OLDER_KEY = Buffer.alloc(32, 9).toString('base64');

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig({ JWT_SECRET, SECRET_KEY: NEW_KEY, SECRET_KEY_ID: 'k3', ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('PREVIOUS_SECRET_KEYS', () => {
  it('keeps every old key for opening secrets, while SECRET_KEY_ID stays the key that seals', () => {
    const { secretKeyring } = loadConfig({ JWT_SECRET, SECRET_KEY: NEW_KEY, SECRET_KEY_ID: 'k3', PREVIOUS_SECRET_KEYS: `k2:${OLD_KEY}, k1:${OLDER_KEY}` });
    expect(secretKeyring.activeKeyId).toBe('k3');
    expect([...secretKeyring.keys.keys()].sort()).toEqual(['k1', 'k2', 'k3']);
    expect(secretKeyring.keys.get('k2')).toEqual(Buffer.from(OLD_KEY, 'hex'));
    expect(secretKeyring.keys.get('k3')).toEqual(Buffer.from(NEW_KEY, 'hex'));
  });

  it('refuses a key id listed twice, naming the variable and the id but no key', () => {
    const err = refusal({ PREVIOUS_SECRET_KEYS: `k2:${OLD_KEY},k2:${OLDER_KEY}` });
    expect(err.variable).toBe('PREVIOUS_SECRET_KEYS');
    expect(err.message).toBe('PREVIOUS_SECRET_KEYS: key id k2 appears more than once');
  });

  it('refuses a key id listed twice even with the same key both times', () => {
    expect(refusal({ PREVIOUS_SECRET_KEYS: `k2:${OLD_KEY},k2:${OLD_KEY}` }).variable).toBe('PREVIOUS_SECRET_KEYS');
  });

  it('refuses the active key id listed with a different key, without printing either key', () => {
    const err = refusal({ PREVIOUS_SECRET_KEYS: `k3:${OLD_KEY}` });
    expect(err.variable).toBe('PREVIOUS_SECRET_KEYS');
    expect(err.message).toMatch(/k3 is SECRET_KEY_ID but names a different key/);
    expect(err.message).not.toContain(OLD_KEY);
    expect(err.message).not.toContain(NEW_KEY);
  });

  it('accepts the active key id listed again with the same key (a full list of keys is harmless)', () => {
    const { secretKeyring } = loadConfig({ JWT_SECRET, SECRET_KEY: NEW_KEY, SECRET_KEY_ID: 'k3', PREVIOUS_SECRET_KEYS: `k3:${NEW_KEY},k2:${OLD_KEY}` });
    expect([...secretKeyring.keys.keys()].sort()).toEqual(['k2', 'k3']);
  });

  it('refuses a key id that SECRET_KEY_ID would not accept', () => {
    expect(refusal({ PREVIOUS_SECRET_KEYS: `key one:${OLD_KEY}` }).variable).toBe('PREVIOUS_SECRET_KEYS');
  });

  it('refuses an old key that is not 32 bytes', () => {
    expect(refusal({ PREVIOUS_SECRET_KEYS: `k2:${'ab'.repeat(16)}` }).variable).toBe('PREVIOUS_SECRET_KEYS');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/env.ts';
import { productionEnv } from '../../helpers/production.ts';

// Issue 9, item 5: in production a token must name who issued it and whom it is for.

const PRODUCTION = productionEnv({ JWT_ISSUER: 'https://id.example.test', JWT_AUDIENCE: 'verification-api' });

/** PRODUCTION without the named variables. */
function without(...names: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(PRODUCTION).filter(([name]) => !names.includes(name)));
}

/** The variable the configuration is refused for. */
function refusedVariable(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).variable;
  }
  throw new Error('expected the configuration to be refused');
}

describe('production requires JWT_ISSUER and JWT_AUDIENCE', () => {
  it('refuses production with JWT_SECRET but no JWT_ISSUER', () => {
    expect(refusedVariable(without('JWT_ISSUER'))).toBe('JWT_ISSUER');
  });

  it('refuses production with JWT_SECRET but no JWT_AUDIENCE', () => {
    expect(refusedVariable(without('JWT_AUDIENCE'))).toBe('JWT_AUDIENCE');
  });

  it('refuses production with JWT_JWKS_URL but no JWT_ISSUER', () => {
    expect(refusedVariable({ ...without('JWT_SECRET', 'JWT_ISSUER'), JWT_JWKS_URL: 'https://id.example.test/jwks.json' })).toBe('JWT_ISSUER');
  });

  it('refuses production with JWT_JWKS_URL but no JWT_AUDIENCE', () => {
    expect(refusedVariable({ ...without('JWT_SECRET', 'JWT_AUDIENCE'), JWT_JWKS_URL: 'https://id.example.test/jwks.json' })).toBe('JWT_AUDIENCE');
  });

  it('runs production with both set and checks them on every token', () => {
    expect(loadConfig(PRODUCTION).jwt).toMatchObject({ issuer: 'https://id.example.test', audience: 'verification-api' });
  });

  it('leaves them optional outside production', () => {
    expect(loadConfig(without('NODE_ENV', 'JWT_ISSUER', 'JWT_AUDIENCE')).jwt).toMatchObject({ issuer: undefined, audience: undefined });
  });
});

import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { childEnv, linesOf, runNpmScript } from '../../helpers/processes.ts';

// `npm run token` mints the step-up claims a local developer needs (DESIGN §8).

async function claimsOf(...args: string[]): Promise<Record<string, unknown>> {
  const result = await runNpmScript('token', args, childEnv({}), 30_000);
  expect(result.code).toBe(0);
  return decodeJwt(linesOf(result.stdout).at(-1)!);
}

describe('npm run token with step-up claims', () => {
  it('--amr otp adds amr and an auth_time of now', async () => {
    const before = Math.floor(Date.now() / 1000);
    const claims = await claimsOf('--sub', 'alice', '--amr', 'otp');
    expect(claims.amr).toEqual(['otp']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('--auth-time and --acr set those claims as given', async () => {
    const claims = await claimsOf('--sub', 'alice', '--amr', 'pwd', '--amr', 'hwk', '--auth-time', '1700000000', '--acr', 'urn:example:mfa');
    expect(claims).toMatchObject({ amr: ['pwd', 'hwk'], auth_time: 1_700_000_000, acr: 'urn:example:mfa' });
  });

  it('adds no sign-in claims without those options', async () => {
    const claims = await claimsOf('--sub', 'alice');
    expect(Object.keys(claims).filter((name) => ['amr', 'acr', 'auth_time'].includes(name))).toEqual([]);
  });

  it('refuses an --auth-time that is not seconds since the epoch, naming it', async () => {
    const result = await runNpmScript('token', ['--sub', 'alice', '--auth-time', 'yesterday'], childEnv({}), 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--auth-time');
  });
});

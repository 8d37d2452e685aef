import { describe, expect, it } from 'vitest';
import { issueToken } from '../../../shared/auth/issue-token.ts';
import { createTokenVerifier } from '../../../shared/auth/token-verifier.ts';
import { TEST_JWT_SECRET, testConfig } from '../../helpers/test-server.ts';
import { epochSeconds, signRaw } from '../../helpers/tokens.ts';

// The OIDC sign-in claims (amr, acr, auth_time) the step-up rule reads from a bearer token.

const verify = createTokenVerifier(testConfig(undefined).jwt);
const secret = new TextEncoder().encode(TEST_JWT_SECRET);

describe('amr, acr and auth_time in a bearer token', () => {
  it('are read into the caller as they are', async () => {
    const token = await issueToken(secret, { sub: 'alice', amr: ['pwd', 'otp'], acr: 'urn:example:mfa', authTime: 1_700_000_000 });
    expect((await verify(`Bearer ${token}`)).signIn).toEqual({ amr: ['pwd', 'otp'], acr: 'urn:example:mfa', authTime: 1_700_000_000 });
  });

  it('are empty when the token has none', async () => {
    const token = await issueToken(secret, { sub: 'alice' });
    expect((await verify(`Bearer ${token}`)).signIn).toEqual({ amr: [], acr: undefined, authTime: undefined });
  });

  it('are dropped when malformed, leaving a token that is valid but proves no second factor', async () => {
    const token = await signRaw({ sub: 'alice', iat: epochSeconds(), exp: epochSeconds(300), amr: 'otp', acr: 7, auth_time: 'now' });
    expect((await verify(`Bearer ${token}`)).signIn).toEqual({ amr: [], acr: undefined, authTime: undefined });
  });

  it('drop an amr list holding anything but strings', async () => {
    const token = await signRaw({ sub: 'alice', iat: epochSeconds(), exp: epochSeconds(300), amr: ['otp', { otp: true }] });
    expect((await verify(`Bearer ${token}`)).signIn.amr).toEqual([]);
  });
});

import { expect } from 'vitest';
import type { TokenClaims } from '../../shared/auth/issue-token.ts';
import { codeNow, enrollmentClient } from './enrollment.ts';
import { advanceSteps, alignToMidStep } from './sign-in.ts';
import type { TestServer } from './test-server.ts';

/** The header a client sends a verification assertion in. */
export const ASSERTION_HEADER = 'Verification-Assertion';

/** Seconds since the epoch by the server's clock (which tests move). */
export function serverSeconds(server: TestServer, offsetSeconds = 0): number {
  return Math.floor(server.clock.now().getTime() / 1000) + offsetSeconds;
}

/**
 * A token from an identity provider that just checked a second factor: `amr` names `otp` and
 * `auth_time` is now by the server's clock. What a user who passed step-up at the IdP holds.
 */
export function steppedUpToken(server: TestServer, claims: Partial<TokenClaims> & { sub: string }): Promise<string> {
  return server.token({ amr: ['pwd', 'otp'], authTime: serverSeconds(server), ...claims });
}

/**
 * Signs in with a code from the user's TOTP authenticator, as a profile UI does before a factor
 * change, and returns the verification assertion of the response. Moves the clock to a fresh
 * step so the code was never used.
 */
export async function signInForAssertion(server: TestServer, user: { token: string; secret: string }): Promise<string> {
  alignToMidStep(server);
  advanceSteps(server);
  const res = await enrollmentClient(server).signIn(user.token, codeNow(server, user.secret));
  expect(res.status).toBe(200);
  return (res.body as { assertion: string }).assertion;
}

/** Request headers carrying `assertion`. */
export function withAssertion(assertion: string): Record<string, string> {
  return { [ASSERTION_HEADER]: assertion };
}

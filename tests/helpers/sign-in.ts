import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { enrollAuthenticator, enrollmentClient, wrongCode, type Offer } from './enrollment.ts';
import type { JsonResponse } from './http.ts';
import { expectProblem } from './problem.ts';
import { request } from './http.ts';
import type { TestServer } from './test-server.ts';

/** One TOTP step of the default settings, in milliseconds. */
export const STEP_MS = 30_000;

/** A sub no other test uses, so tests of one file never share throttles or devices. */
export function uniqueSub(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Moves the clock forward to the middle of a TOTP step, so a code computed by the test and
 * checked by the server a few milliseconds later always fall in the same step.
 */
export function alignToMidStep(server: TestServer, periodMs = STEP_MS): void {
  const into = server.clock.now().getTime() % periodMs;
  const middle = periodMs / 2;
  server.clock.advance(into <= middle ? middle - into : periodMs - into + middle);
}

/** Moves the clock on by `steps` whole TOTP steps (the enrollment consumed the current one). */
export function advanceSteps(server: TestServer, steps = 1, periodMs = STEP_MS): void {
  server.clock.advance(steps * periodMs);
}

export interface EnrolledUser {
  sub: string;
  tenant: string | undefined;
  token: string;
  secret: string;
  phId: string;
  offer: Offer;
}

/**
 * A user with one TOTP authenticator enrolled through the profile path, the clock moved one
 * step past the enrollment so the next code is fresh.
 */
export async function enrolledUser(server: TestServer, options: { prefix?: string; sub?: string; tenant?: string } = {}): Promise<EnrolledUser> {
  const sub = options.sub ?? uniqueSub(options.prefix ?? 'user');
  const token = await server.token({ sub, ...(options.tenant ? { tenant: options.tenant } : {}) });
  alignToMidStep(server);
  const { offer, phId, secret } = await enrollAuthenticator(server, token);
  advanceSteps(server);
  return { sub, tenant: options.tenant, token, secret, phId, offer };
}

/** Seconds in the response's `Retry-After`, or null when it has none. */
export function retryAfterOf(res: JsonResponse): number | null {
  const value = res.headers.get('retry-after');
  return value === null ? null : Number(value);
}

/**
 * Sends wrong codes, waiting out each backoff as a patient attacker would, until the user has
 * `failures` consecutive failures. Returns the last response.
 */
export async function sendWrongCodes(server: TestServer, user: { token: string; secret: string }, failures: number): Promise<JsonResponse> {
  const api = enrollmentClient(server);
  let last: JsonResponse | undefined;
  for (let i = 1; i <= failures; i++) {
    last = await api.signIn(user.token, wrongCode(server, user.secret));
    expectProblem(last, 400, 'VER_0041');
    const wait = retryAfterOf(last);
    if (wait !== null && i < failures) server.clock.advance(wait * 1000 + 1);
  }
  return last!;
}

/** Switches TOTP on or off for a tenant, as its admin would. */
export async function setTotpConfig(server: TestServer, tenant: string, body: { active?: boolean; settings?: Record<string, unknown> }): Promise<void> {
  const token = await server.token({ sub: 'tenant-admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token, body });
  expect(res.status).toBe(200);
}

import { expect } from 'vitest';
import { request, type JsonResponse } from './http.ts';
import { SimulatedPushDevice, type DeviceAlgorithm } from './push-device.ts';
import { uniqueSub } from './sign-in.ts';
import type { TestServer } from './test-server.ts';

/** A user with one enrolled PUSH device, and their first-factor token. */
export interface PushUser {
  sub: string;
  tenant: string;
  token: string;
  device: SimulatedPushDevice;
}

/** The answer to a PUSH challenge initiation. */
export interface PushChallengeOffer {
  exchange_id: { exchange_id: string; expires_at: string };
  status_id: string;
  type: 'PUSH';
  number?: string;
}

/** Starts a PUSH enrollment for `token`'s user (their first factor: no step-up). */
export function initiatePushEnrollment(server: TestServer, token: string, headers?: Record<string, string>) {
  return request<{ push_uri: string; status_id: string; exchange_id: { exchange_id: string } }>(
    `${server.url}/verification-actions-srv/setup/push/initiation`,
    { method: 'POST', token, body: {}, ...(headers ? { headers } : {}) },
  );
}

/** A fresh user whose first factor is a PUSH device (enrolled through the app path). */
export async function pushUser(server: TestServer, options: { prefix?: string; tenant?: string; algorithm?: DeviceAlgorithm } = {}): Promise<PushUser> {
  const sub = uniqueSub(options.prefix ?? 'push');
  const tenant = options.tenant ?? 'default';
  const token = await server.token({ sub, tenant });
  const offer = await initiatePushEnrollment(server, token);
  expect(offer.status).toBe(201);
  const device = await SimulatedPushDevice.create(server.url, () => server.clock.now(), options.algorithm);
  const enrolled = await device.enroll(offer.body.push_uri);
  expect(enrolled.response.status).toBe(200);
  return { sub, tenant, token, device };
}

/** The sign-in page's side of PUSH: start a challenge, collect it. */
export function pushSignIn(server: TestServer) {
  const base = `${server.url}/verification-srv/authentication/push`;
  return {
    initiate: (token: string, body: Record<string, unknown> = { message: 'Sign in' }) =>
      request<PushChallengeOffer>(`${base}/initiation`, { method: 'POST', token, body }),
    collect: (token: string, exchangeId: string, sub?: string) =>
      request<Record<string, unknown>>(`${base}/verification`, { token, body: { exchange_id: exchangeId, ...(sub ? { sub } : {}) } }),
    cancel: (token: string, exchangeId: string) => request(`${base}/${exchangeId}`, { method: 'DELETE', token }),
  };
}

/** The challenge a started initiation created, asserting it started. */
export function startedChallenge(res: JsonResponse<PushChallengeOffer>): PushChallengeOffer {
  if (res.status !== 201) throw new Error(`the challenge did not start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Changes the tenant's PUSH configuration as its admin (e.g. `{active: false}`). */
export async function setPushConfig(server: TestServer, tenant: string, body: { active?: boolean; settings?: Record<string, unknown> }): Promise<void> {
  const token = await server.token({ sub: 'tenant-admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/push`, { method: 'PUT', token, body });
  expect(res.status).toBe(200);
}

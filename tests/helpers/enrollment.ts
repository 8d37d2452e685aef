import type { EnrollmentOffer } from '../../shared/methods/totp/offer.ts';
import { generateCode, type TotpParams } from '../../shared/otp/index.ts';
import { request, type JsonResponse } from './http.ts';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.ts';

/** The initiation (and rotation) response, as the service declares it. */
export type Offer = EnrollmentOffer;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [key: string]: unknown;
}

export const DEFAULT_PARAMS: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };

/** The code an authenticator app shows for `secret` at the server's current time (plus `offsetSteps`). */
export function codeNow(server: TestServer, secret: string, params: TotpParams = DEFAULT_PARAMS, offsetSteps = 0): string {
  return generateCode(secret, params, server.clock.now().getTime() + offsetSteps * params.period * 1000);
}

/** A code that is certainly wrong for `secret` right now (not within ±2 steps). */
export function wrongCode(server: TestServer, secret: string, params: TotpParams = DEFAULT_PARAMS): string {
  const near = new Set([-2, -1, 0, 1, 2].map((k) => codeNow(server, secret, params, k)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(params.digits, '0');
    if (!near.has(candidate)) return candidate;
  }
}

/** The enrollment API as the profile UI and the authenticator app use it. */
export function enrollmentClient(server: TestServer) {
  const url = (path: string) => `${server.url}${path}`;
  return {
    initiate: (token: string, body: unknown = {}, headers: Record<string, string> = {}) =>
      request<Offer>(url('/verification-actions-srv/setup/totp/initiation'), { token, body, headers }),
    verify: (token: string, exchangeId: string, passCode: string) =>
      request(url('/verification-actions-srv/setup/totp/verification'), { token, body: { exchange_id: exchangeId, pass_code: passCode } }),
    scan: (offer: Offer, deviceId = 'device-1', extra: Record<string, unknown> = {}) =>
      request(url('/verification-actions-srv/setup/totp/scan'), {
        body: { exchange_id: offer.exchange_id.exchange_id, client_id: offer.authenticator_client_id, device_id: deviceId, ...extra },
      }),
    enroll: (offer: Offer, passCode: string, deviceId = 'device-1', extra: Record<string, unknown> = {}) =>
      request(url('/verification-srv/v2/setup/enroll/totp'), {
        body: {
          exchange_id: offer.exchange_id.exchange_id,
          client_id: offer.authenticator_client_id,
          device_id: deviceId,
          pass_code: passCode,
          ...extra,
        },
      }),
    rotate: (token: string, exchangeId: string) =>
      request<Offer>(url(`/verification-actions-srv/setup/totp/rotation/${exchangeId}`), { method: 'POST', token }),
    cancel: (token: string, exchangeId: string) =>
      request(url(`/verification-actions-srv/setup/totp/${exchangeId}`), { method: 'DELETE', token }),
    status: (statusId: string, headers: Record<string, string> = {}, query = '') =>
      request<Record<string, unknown>>(url(`/verification-srv/verificationstatus/${statusId}${query}`), { headers }),
    signIn: (token: string, passCode: string, sub?: string) =>
      request(url('/verification-srv/authentication/totp/verification'), { token, body: { pass_code: passCode, ...(sub ? { sub } : {}) } }),
    devices: (token: string, sub?: string) =>
      request<Record<string, unknown>[]>(url(`/verification-actions-srv/devices${sub ? `?sub=${encodeURIComponent(sub)}` : ''}`), { token }),
    removeDevice: (token: string, phId: string, headers: Record<string, string> = {}) =>
      request(url(`/verification-actions-srv/devices/${phId}`), { method: 'DELETE', token, headers }),
    rename: (token: string, phId: string, friendlyName: string) =>
      request(url('/verification-actions-srv/setup/users/friendlyname/totp'), {
        method: 'PUT',
        token,
        body: { ph_id: phId, friendly_name: friendlyName },
      }),
  };
}

export type EnrollmentClient = ReturnType<typeof enrollmentClient>;

/** Enrolls one TOTP authenticator for the token's user through the profile path. */
export async function enrollAuthenticator(server: TestServer, token: string): Promise<{ offer: Offer; phId: string; secret: string }> {
  const api = enrollmentClient(server);
  const { body: offer } = await api.initiate(token);
  const done = (await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret))) as JsonResponse<{ ph_id: string }>;
  if (done.status !== 200) throw new Error(`enrollment failed: ${JSON.stringify(done.body)}`);
  return { offer, phId: done.body.ph_id, secret: offer.totp_secret };
}

/**
 * Starts one server for the test file (closed after it) and hands it and its enrollment client
 * to `bind`, so each file declares only what it uses.
 */
export function withEnrollmentServer(bind: (server: TestServer, api: EnrollmentClient) => void, options?: TestServerOptions): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
    bind(server, enrollmentClient(server));
  });
  afterAll(() => server?.close());
}

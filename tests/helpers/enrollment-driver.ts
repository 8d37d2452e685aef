import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { generateCode } from '../../shared/otp/index.ts';
import { request } from './http.ts';
import type { TestServer } from './test-server.ts';

/** One enrollment started through the API, with what its three parties hold. */
export interface Enrollment {
  statusId: string;
  exchangeId: string;
  clientId: string;
  secret: string;
  /** The profile UI's token (the enrolling user). */
  token: string;
}

const TOTP = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** The profile UI starts an enrollment for a fresh user on `server`. */
export async function initiate(server: TestServer, sub = `user-${randomUUID()}`): Promise<Enrollment> {
  const token = await server.token({ sub });
  const res = await request<{ exchange_id: { exchange_id: string }; status_id: string; authenticator_client_id: string; totp_secret: string }>(
    `${server.url}/verification-actions-srv/setup/totp/initiation`,
    { method: 'POST', token, body: {} },
  );
  expect(res.status).toBe(201);
  return {
    statusId: res.body.status_id,
    exchangeId: res.body.exchange_id.exchange_id,
    clientId: res.body.authenticator_client_id,
    secret: res.body.totp_secret,
    token,
  };
}

/** The authenticator app scans the QR code, talking to the instance at `baseUrl`. */
export async function scan(baseUrl: string, e: Enrollment, deviceId = 'device-1'): Promise<void> {
  const res = await request(`${baseUrl}/verification-actions-srv/setup/totp/scan`, {
    body: { exchange_id: e.exchangeId, client_id: e.clientId, device_id: deviceId },
  });
  expect(res.status).toBe(200);
}

/** The app that scanned proves it holds the secret (companion-app completion). */
export async function enrollFromApp(baseUrl: string, e: Enrollment, deviceId = 'device-1'): Promise<void> {
  const res = await request(`${baseUrl}/verification-srv/v2/setup/enroll/totp`, {
    body: { exchange_id: e.exchangeId, client_id: e.clientId, device_id: deviceId, pass_code: generateCode(e.secret, TOTP, Date.now()) },
  });
  expect(res.status).toBe(200);
}

/** The user types the first code into the profile UI (profile completion). */
export async function verifyFromProfile(baseUrl: string, e: Enrollment): Promise<void> {
  const res = await request(`${baseUrl}/verification-actions-srv/setup/totp/verification`, {
    token: e.token,
    body: { exchange_id: e.exchangeId, pass_code: generateCode(e.secret, TOTP, Date.now()) },
  });
  expect(res.status).toBe(200);
}

/** The user abandons the enrollment. */
export async function cancel(baseUrl: string, e: Enrollment): Promise<void> {
  const res = await request(`${baseUrl}/verification-actions-srv/setup/totp/${e.exchangeId}`, { method: 'DELETE', token: e.token });
  expect(res.status).toBe(200);
}

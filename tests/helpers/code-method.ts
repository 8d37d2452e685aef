import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import { eventually } from './http-receiver.ts';
import { request } from './http.ts';
import type { TestServer } from './test-server.ts';

/** What SMS and EMAIL initiations and resends answer. */
export interface CodeOffer {
  exchange_id: { exchange_id: string; expires_at: string };
  status_id: string;
  destination: string;
  resend_after: string;
  type?: string;
}

interface DevOutbox {
  to: string;
  messages: { id: string; channel: string; to: string; code: string; text: string; subject?: string; html?: string; sent_at: string }[];
}

/** A German mobile number nobody else in the test run uses (the per-destination cap is global). */
export function uniqueMobile(): string {
  return `+49151${String(randomInt(10_000_000, 99_999_999))}`;
}

/** An email address nobody else in the test run uses. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomInt(1_000_000_000)}@example.com`;
}

/** The enrollment and sign-in API of a code method (`sms`, `email`) as a profile UI and a sign-in page use it. */
export function codeClient(server: TestServer, method: 'sms' | 'email') {
  const url = (path: string) => `${server.url}${path}`;
  const field = method === 'sms' ? 'phone_number' : 'email';
  return {
    initiate: (token: string, destination: string, headers: Record<string, string> = {}) =>
      request<CodeOffer>(url(`/verification-actions-srv/setup/${method}/initiation`), { token, body: { [field]: destination }, headers }),
    initiateWith: (token: string, body: unknown, headers: Record<string, string> = {}) =>
      request<CodeOffer>(url(`/verification-actions-srv/setup/${method}/initiation`), { token, body, headers }),
    verify: (token: string, exchangeId: string, passCode: string) =>
      request<Record<string, unknown>>(url(`/verification-actions-srv/setup/${method}/verification`), { token, body: { exchange_id: exchangeId, pass_code: passCode } }),
    resend: (token: string, exchangeId: string) =>
      request<CodeOffer>(url(`/verification-actions-srv/setup/${method}/resend/${exchangeId}`), { method: 'POST', token }),
    signInInitiate: (token: string, body: Record<string, unknown> = {}) =>
      request<CodeOffer>(url(`/verification-srv/authentication/${method}/initiation`), { method: 'POST', token, body }),
    signInVerify: (token: string, exchangeId: string, passCode: string, sub?: string) =>
      request<Record<string, unknown>>(url(`/verification-srv/authentication/${method}/verification`), {
        token,
        body: { exchange_id: exchangeId, pass_code: passCode, ...(sub ? { sub } : {}) },
      }),
    status: (statusId: string) => request<Record<string, unknown>>(url(`/verification-srv/verificationstatus/${statusId}`)),
  };
}

export type CodeClient = ReturnType<typeof codeClient>;

/** The messages the `log` provider delivered to `to`, newest first (the development outbox). */
export async function deliveredTo(server: TestServer, to: string): Promise<DevOutbox['messages']> {
  const res = await request<DevOutbox>(`${server.url}/verification-srv/dev/outbox?to=${encodeURIComponent(to)}`);
  return res.body.messages;
}

/** Waits until `to` has received `count` messages, and returns the code of the newest. */
export async function receivedCode(server: TestServer, to: string, count = 1): Promise<string> {
  const messages = await eventually(async () => {
    const delivered = await deliveredTo(server, to);
    return delivered.length >= count ? delivered : undefined;
  }, `${count} message(s) to ${to}`);
  return messages[0]!.code;
}

/** A code of the right length that is not `code`. */
export function otherCode(code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

/** Enrolls `destination` for the token's user (initiate, read the code from the outbox, verify); returns the new ph_id. */
export async function enrollDestination(server: TestServer, method: 'sms' | 'email', token: string, destination: string, headers: Record<string, string> = {}): Promise<string> {
  const api = codeClient(server, method);
  const started = await api.initiate(token, destination, headers);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const code = await receivedCode(server, destination);
  const done = await api.verify(token, started.body.exchange_id.exchange_id, code);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return String(done.body.ph_id);
}

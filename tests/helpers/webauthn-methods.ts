import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { expect } from 'vitest';
import type { CeremonyPage, CeremonyResult } from './browser.ts';
import { request, type JsonResponse } from './http.ts';
import type { TestServer } from './test-server.ts';

// FIDO2 and TOUCHID through the service's real routes, as a profile page or sign-in page would
// drive them: options from the service, the ceremony in the browser page, the response back to
// the service, every request carrying the page's Origin as a browser's would.

export type WebAuthnType = 'fido2' | 'touchid';

export interface EnrollmentOffer {
  exchange_id: { exchange_id: string; expires_at: string };
  status_id: string;
  sub: string;
  options: PublicKeyCredentialCreationOptionsJSON;
}

export interface ChallengeOffer {
  exchange_id: { exchange_id: string; expires_at: string };
  status_id: string;
  type: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

export interface Caller {
  token: string;
  /** Extra headers, e.g. the step-up assertion. */
  headers?: Record<string, string>;
  /** The Origin header; the page's own when absent. */
  origin?: string;
}

/** The WebAuthn method routes, called from a page on `pageOrigin` (the Origin of every request unless a caller names another). */
export function webauthnRoutes(server: TestServer, pageOrigin: string) {
  const post = <T>(path: string, caller: Caller, body: unknown) =>
    request<T>(`${server.url}${path}`, {
      method: 'POST',
      token: caller.token,
      body,
      headers: { origin: caller.origin ?? pageOrigin, ...caller.headers },
    });
  return {
    initiate: (type: WebAuthnType, caller: Caller) => post<EnrollmentOffer>(`/verification-actions-srv/setup/${type}/initiation`, caller, {}),
    complete: (type: WebAuthnType, caller: Caller, body: Record<string, unknown>) =>
      post<Record<string, unknown>>(`/verification-actions-srv/setup/${type}/verification`, caller, body),
    challenge: (type: WebAuthnType, caller: Caller, body: Record<string, unknown> = {}) =>
      post<ChallengeOffer>(`/verification-srv/authentication/${type}/initiation`, caller, body),
    answer: (type: WebAuthnType, caller: Caller, body: Record<string, unknown>) =>
      post<Record<string, unknown>>(`/verification-srv/authentication/${type}/verification`, caller, body),
    status: (statusId: string) => request<Record<string, unknown>>(`${server.url}/verification-srv/verificationstatus/${statusId}`),
    devices: (token: string) => request<Record<string, unknown>[]>(`${server.url}/verification-actions-srv/devices`, { token }),
    removeDevice: (caller: Caller, phId: string) =>
      request(`${server.url}/verification-actions-srv/devices/${phId}`, { method: 'DELETE', token: caller.token, headers: caller.headers ?? {} }),
  };
}

export type WebAuthnRoutes = ReturnType<typeof webauthnRoutes>;

/** The browser's answer, asserting the browser gave one. */
export function responseOf<T>(result: CeremonyResult<T>): T {
  if (!result.ok) throw new Error(`the browser refused the ceremony: ${result.error.name}: ${result.error.message}`);
  return result.response;
}

/** Asserts an offer of 201 and returns its body. */
export function started<T>(res: JsonResponse<T>): T {
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A whole registration through the routes: initiate, create in the browser, complete. */
export async function enroll(
  routes: WebAuthnRoutes,
  page: CeremonyPage,
  type: WebAuthnType,
  caller: Caller,
): Promise<{ offer: EnrollmentOffer; response: RegistrationResponseJSON; result: JsonResponse<Record<string, unknown>> }> {
  const offer = started(await routes.initiate(type, caller));
  const response = responseOf(await page.register<RegistrationResponseJSON>(offer.options));
  const result = await routes.complete(type, caller, { exchange_id: offer.exchange_id.exchange_id, credential: response });
  return { offer, response, result };
}

/** A whole sign-in through the routes: challenge, get in the browser, answer. */
export async function signIn(
  routes: WebAuthnRoutes,
  page: CeremonyPage,
  type: WebAuthnType,
  caller: Caller,
): Promise<{ offer: ChallengeOffer; response: AuthenticationResponseJSON; result: JsonResponse<Record<string, unknown>> }> {
  const offer = started(await routes.challenge(type, caller));
  const response = responseOf(await page.authenticate<AuthenticationResponseJSON>(offer.options));
  const result = await routes.answer(type, caller, { exchange_id: offer.exchange_id.exchange_id, credential: response });
  return { offer, response, result };
}

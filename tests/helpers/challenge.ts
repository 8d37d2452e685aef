import { request, type JsonResponse } from './http.ts';
import type { TestServer } from './test-server.ts';

/** The answer to a sign-in challenge initiation. */
export interface ChallengeOffer {
  exchange_id: { exchange_id: string; expires_at: string };
  status_id: string;
  type: string;
}

/** The sign-in challenge API as a sign-in page (or a backend with `verification:service`) uses it. */
export function challengeClient(server: TestServer, method = 'totp') {
  const base = `${server.url}/verification-srv/authentication/${method}`;
  return {
    initiate: (token: string, body?: Record<string, unknown>) => request<ChallengeOffer>(`${base}/initiation`, { method: 'POST', token, body }),
    verify: (token: string, exchangeId: string, passCode: string, sub?: string) =>
      request<Record<string, unknown>>(`${base}/verification`, { token, body: { exchange_id: exchangeId, pass_code: passCode, ...(sub ? { sub } : {}) } }),
    cancel: (token: string, exchangeId: string, sub?: string) =>
      request<Record<string, unknown>>(`${base}/${exchangeId}${sub ? `?sub=${encodeURIComponent(sub)}` : ''}`, { method: 'DELETE', token }),
    status: (statusId: string, query = '') => request<Record<string, unknown>>(`${server.url}/verification-srv/verificationstatus/${statusId}${query}`),
  };
}

export type ChallengeClient = ReturnType<typeof challengeClient>;

/** The exchange id of a started challenge, asserting it started. */
export function exchangeOf(res: JsonResponse<ChallengeOffer>): string {
  if (res.status !== 201) throw new Error(`the challenge did not start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.exchange_id.exchange_id;
}

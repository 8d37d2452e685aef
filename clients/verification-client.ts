import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/schema.ts';

export type { components, paths };
export type VerificationClient = Client<paths>;

export interface VerificationClientOptions {
  /** Where the service runs, e.g. `http://localhost:8080` (all-in-one) or one service's port. */
  baseUrl: string;
  /** The bearer token sent with every request; a function is asked before each one. */
  token?: string | (() => string | undefined);
  /** Replaces `globalThis.fetch` (tests, retries, instrumentation). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A typed client of every operation in openapi.yaml: paths, parameters, bodies and responses
 * are checked by the compiler against the generated `paths`.
 *
 * @example
 * ```ts
 * const api = createVerificationClient({ baseUrl: 'http://localhost:8080', token });
 * const { data, error } = await api.POST('/verification-actions-srv/setup/{method}/initiation', {
 *   params: { path: { method: 'totp' } },
 * });
 * ```
 */
export function createVerificationClient(options: VerificationClientOptions): VerificationClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value) request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}

import { assertMatchesContract } from './openapi-contract.ts';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A small fetch wrapper: JSON in, parsed JSON (or problem+json) out. Every response is checked
 * against openapi.yaml (status, headers, body schema) and the call throws when it departs from
 * it, so any test that talks to the service also proves the contract.
 */
export async function request<T = unknown>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (init.body !== undefined) {
    // Bytes go as they are (e.g. a compressed body); anything else but a string as JSON.
    if (init.body instanceof Uint8Array) body = new Uint8Array(init.body);
    else body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const method = init.method ?? (body ? 'POST' : 'GET');
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  assertMatchesContract({ method, url }, { status: res.status, headers: res.headers, text });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: (type.includes('json') && text ? JSON.parse(text) : text) as T };
}

/**
 * `fetch` that checks every response against openapi.yaml like `request()` does; give it to
 * the generated client so end-to-end tests prove the contract too.
 */
export const contractFetch: typeof fetch = async (input, init) => {
  const req = new Request(input, init);
  const res = await fetch(req);
  const text = await res.clone().text();
  assertMatchesContract({ method: req.method, url: req.url }, { status: res.status, headers: res.headers, text });
  return res;
};

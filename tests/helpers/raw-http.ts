import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { assertMatchesContract } from './openapi-contract.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request over node:http, for what fetch will not send (fetch always writes its own
 * `Host`), or for WebSocket handshakes that the server refuses. The response is not checked
 * against openapi.yaml; use `rawRequest` for API paths.
 */
export function rawExchange(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('upgrade', () => reject(new Error('the server accepted the upgrade')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** rawExchange for an API path, with the response checked against openapi.yaml like request() does. */
export async function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const res = await rawExchange(url, init);
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  assertMatchesContract({ method: init.method ?? 'GET', url }, { status: res.status, headers, text: res.text });
  return res;
}

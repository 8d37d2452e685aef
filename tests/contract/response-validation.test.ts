import { describe, expect, it } from 'vitest';
import { contractViolations, type ObservedResponse } from '../helpers/openapi-contract.ts';

// The shared request() helper checks every response against openapi.yaml with
// contractViolations; these tests show it refuses what drifted and accepts what conforms.

const BASE = 'http://127.0.0.1:1';
const STATUS_ID = '04dca6fd-2cd7-4a9d-9d94-851be71d6344';

function response(status: number, body: unknown, headers: Record<string, string> = {}): ObservedResponse {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  return { status, text, headers: new Headers({ ...(body === undefined ? {} : { 'content-type': type }), ...headers }) };
}

const problem = (status: number, code: string, title = 'x') =>
  response(status, { type: `urn:verification-srv:problem:${code}`, title, status, code, detail: title }, { 'content-type': 'application/problem+json' });

const statusDocument = {
  status: 'INITIATED',
  id: STATUS_ID,
  sub: 'alice',
  type: 'TOTP',
  expires_at: '2024-01-12T21:12:30.108Z',
  updated_at: '2024-01-12T21:02:30.108Z',
};
const get = (path: string) => ({ method: 'GET', url: `${BASE}${path}` });
const statusUrl = get(`/verification-srv/verificationstatus/${STATUS_ID}`);
const etag = { etag: `"${STATUS_ID}.1"`, 'cache-control': 'no-cache' };

describe('checking responses against openapi.yaml', () => {
  it('accepts a documented status with a conforming body and headers', () => {
    expect(contractViolations(statusUrl, response(200, statusDocument, etag))).toEqual([]);
  });

  it('refuses a body with a member the schema does not have', () => {
    expect(contractViolations(statusUrl, response(200, { ...statusDocument, secret: 'x' }, etag))).not.toEqual([]);
  });

  it('refuses a body missing a required member', () => {
    const partial: Partial<typeof statusDocument> = { ...statusDocument };
    delete partial.updated_at;
    expect(contractViolations(statusUrl, response(200, partial, etag))).not.toEqual([]);
  });

  it('refuses a response without a required header', () => {
    expect(contractViolations(statusUrl, response(200, statusDocument, { 'cache-control': 'no-cache' }))).toEqual([
      'the required header ETag is missing',
    ]);
  });

  it('refuses a status the operation does not document', () => {
    expect(contractViolations(statusUrl, problem(409, 'VER_0032'))[0]).toMatch(/status 409 is not documented/);
  });

  it('refuses an error code the response does not list', () => {
    expect(contractViolations(statusUrl, problem(404, 'VER_0044'))).not.toEqual([]);
    expect(contractViolations(statusUrl, problem(404, 'VER_0030'))).toEqual([]);
  });

  it('refuses an undocumented content type', () => {
    expect(contractViolations(statusUrl, response(200, 'INITIATED', etag))[0]).toMatch(/content type "text\/plain" is not documented/);
  });

  it('refuses a body where the spec describes none', () => {
    expect(contractViolations({ method: 'DELETE', url: `${BASE}/verification-actions-srv/devices/${STATUS_ID}` }, response(204, {}))).not.toEqual([]);
  });

  it('refuses anything but 404 VER_0005 from a path the spec does not describe', () => {
    expect(contractViolations(get('/verification-srv/secret-admin'), response(200, { ok: true }))).not.toEqual([]);
    expect(contractViolations(get('/verification-srv/secret-admin'), problem(404, 'VER_0005'))).toEqual([]);
  });

  it('refuses anything but 405 VER_0006 with the described methods in Allow for a method the spec does not describe', () => {
    const patch = { method: 'PATCH', url: `${BASE}/verification-srv/config/list` };
    expect(contractViolations(patch, response(200, []))).not.toEqual([]);
    expect(contractViolations(patch, problem(405, 'VER_0006'))[0]).toMatch(/Allow/);
    const allowed = problem(405, 'VER_0006');
    allowed.headers.set('allow', 'HEAD, GET, PUT');
    expect(contractViolations(patch, allowed)).toEqual([]);
  });

  it('accepts OPTIONS only with an Allow listing the described methods', () => {
    const options = { method: 'OPTIONS', url: `${BASE}/healthz` };
    expect(contractViolations(options, response(200, undefined, { allow: 'HEAD, GET' }))).toEqual([]);
    expect(contractViolations(options, response(200, undefined, { allow: 'HEAD, GET, DELETE' }))).not.toEqual([]);
  });

  it('prefers a concrete path to a templated one, as the router does', () => {
    const list = get('/verification-srv/config/list');
    expect(contractViolations(list, response(200, [{ verificationType: 'TOTP', active: true }], { 'cache-control': 'no-store' }))).toEqual([]);
  });

  it('accepts 404 VER_0005 on a described path, as a process without that service answers', () => {
    expect(contractViolations(statusUrl, problem(404, 'VER_0005'))).toEqual([]);
  });
});

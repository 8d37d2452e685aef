import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { request } from '../helpers/http.ts';
import { SPEC_FILE } from '../helpers/openapi-contract.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GET /openapi.yaml', () => {
  it('serves the contract as YAML, byte for byte, without a token', async () => {
    const res = await request<string>(`${server.url}/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(res.body).toBe(await readFile(SPEC_FILE, 'utf8'));
    expect(parse(res.body)).toMatchObject({ openapi: '3.1.0' });
  });
});

describe('GET /asyncapi.yaml', () => {
  it('serves the WebSocket contract openapi.yaml refers to, byte for byte, without a token', async () => {
    const res = await request<string>(`${server.url}/asyncapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(res.body).toBe(await readFile(new URL('../../asyncapi.yaml', import.meta.url), 'utf8'));
    expect(parse(res.body)).toMatchObject({ asyncapi: '3.0.0' });
  });
});

describe('GET /docs', () => {
  it('serves a Redoc page rendering /openapi.yaml with the script from this server', async () => {
    const res = await request<string>(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('<redoc spec-url="/openapi.yaml">');
    expect(res.body).toContain('<script src="/docs/redoc.standalone.js">');
  });

  it('refers to nothing on the internet, and forbids the browser to fetch from anywhere else', async () => {
    const res = await request<string>(`${server.url}/docs`);
    expect(res.body).not.toMatch(/https?:\/\//);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("img-src 'self' data:");
  });

  it('serves the Redoc script from the installed redoc package', async () => {
    const res = await request<string>(`${server.url}/docs/redoc.standalone.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    const installed = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
    expect(res.body).toBe(await readFile(installed, 'utf8'));
  });
});

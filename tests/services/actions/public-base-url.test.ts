import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOtpauthUri } from '../../../shared/otp/index.ts';
import type { Offer } from '../../helpers/enrollment.ts';
import { startProductionServer, PUBLIC_BASE_URL } from '../../helpers/production.ts';
import { decodeQrDataUrl } from '../../helpers/qr.ts';
import { rawRequest } from '../../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

// `burl` tells the authenticator app where this service is. Whoever can set it can point the
// victim's app at their own server, so in production it never comes from the request.

const FORGED = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

let production: TestServer;
let development: TestServer;
beforeAll(async () => {
  // TRUST_PROXY on: even a proxy's forwarded host must not reach the URI.
  production = await startProductionServer({ env: { TRUST_PROXY: 'true' } });
  development = await startTestServer();
});
afterAll(async () => {
  await production?.close();
  await development?.close();
});

/** Starts an enrollment with a forged Host and X-Forwarded-Host; fetch cannot send those. */
async function initiateWithForgedHost(server: TestServer, sub: string): Promise<Offer> {
  const token = await server.token({ sub });
  const res = await rawRequest(`${server.url}/verification-actions-srv/setup/totp/initiation`, {
    method: 'POST',
    headers: { ...FORGED, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(201);
  return JSON.parse(res.text) as Offer;
}

describe('in production', () => {
  it('puts PUBLIC_BASE_URL in burl whatever Host and X-Forwarded-Host say', async () => {
    const offer = await initiateWithForgedHost(production, 'alice');
    expect(parseOtpauthUri(offer.otpauth_uri).params.burl).toBe(PUBLIC_BASE_URL);
    expect(offer.otpauth_uri).not.toContain('evil.example');
  });

  it('encodes the same burl in the QR code', async () => {
    const offer = await initiateWithForgedHost(production, 'bob');
    expect(parseOtpauthUri(decodeQrDataUrl(offer.qr_code!)).params.burl).toBe(PUBLIC_BASE_URL);
  });

  it('keeps PUBLIC_BASE_URL in burl when the enrollment is rotated with a forged Host', async () => {
    const offer = await initiateWithForgedHost(production, 'carol');
    const token = await production.token({ sub: 'carol' });
    const res = await rawRequest(`${production.url}/verification-actions-srv/setup/totp/rotation/${offer.exchange_id.exchange_id}`, {
      method: 'POST',
      headers: { ...FORGED, authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(parseOtpauthUri((JSON.parse(res.text) as Offer).otpauth_uri).params.burl).toBe(PUBLIC_BASE_URL);
  });
});

describe('outside production without PUBLIC_BASE_URL', () => {
  it("falls back to the request's own origin, for a first run on localhost", async () => {
    const token = await development.token({ sub: 'dave' });
    const res = await rawRequest(`${development.url}/verification-actions-srv/setup/totp/initiation`, {
      method: 'POST',
      headers: { host: 'localhost:8080', authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(parseOtpauthUri((JSON.parse(res.text) as Offer).otpauth_uri).params.burl).toBe('http://localhost:8080');
  });
});

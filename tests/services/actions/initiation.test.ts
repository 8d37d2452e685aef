import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOtpauthUri } from '../../../shared/otp/index.ts';
import { codeNow, enrollmentClient, type Offer } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { decodeQrDataUrl } from '../../helpers/qr.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: ReturnType<typeof enrollmentClient>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  server = await startTestServer({ env: { PUBLIC_BASE_URL: 'https://verify.example.test', LOGO_URL: 'https://cdn.example.test/logo.png' } });
  api = enrollmentClient(server);
});
afterAll(() => server.close());

async function configure(tenant: string, settings: Record<string, unknown>, active = true) {
  const admin = await server.token({ sub: 'admin', tenant, scope: 'verification:admin' });
  const res = await request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active, settings } });
  expect(res.status).toBe(200);
}

describe('POST /verification-actions-srv/setup/totp/initiation', () => {
  it('returns the seed response shape plus the secret, URI and QR code, never cached', async () => {
    const token = await server.token({ sub: 'da65eb32-d460-4355-8b94-ee061896712f' });
    const res = await api.initiate(token, { deviceInfo: { deviceId: '', location: { lat: '', lon: '' } } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const offer = res.body;
    expect(Object.keys(offer).sort()).toEqual(
      ['authenticator_client_id', 'exchange_id', 'otpauth_uri', 'otpauth_uri_standard', 'qr_code', 'status_id', 'sub', 'totp_secret'].sort(),
    );
    expect(offer.exchange_id.exchange_id).toMatch(UUID);
    expect(new Date(offer.exchange_id.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(offer.status_id).toMatch(UUID);
    expect(offer.authenticator_client_id).toMatch(UUID);
    expect(offer.sub).toBe('da65eb32-d460-4355-8b94-ee061896712f');
    expect(offer.totp_secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(offer.qr_code).toMatch(/^data:image\/png;base64,/);
  });

  it('is also served at the v2 initiate alias', async () => {
    const token = await server.token({ sub: 'alias-user' });
    const res = await request<Offer>(`${server.url}/verification-srv/v2/setup/initiate/totp`, { token, body: {} });
    expect(res.status).toBe(201);
    expect(res.body.totp_secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('builds the extended otpauth URI with standard and cidaas parameters in order', async () => {
    const token = await server.token({ sub: 'poca', extra: { name: 'Poca Hontas' } });
    const { body: offer } = await api.initiate(token);
    const eid = offer.exchange_id.exchange_id;
    expect(offer.otpauth_uri).toBe(
      `otpauth://totp/default:Poca%20Hontas?secret=${offer.totp_secret}&issuer=default&algorithm=SHA1&digits=6&period=30` +
        `&t=totp&d=Poca%20Hontas&tk=default&l=${encodeURIComponent('https://cdn.example.test/logo.png')}&sub=poca` +
        `&cid=${offer.authenticator_client_id}&burl=${encodeURIComponent('https://verify.example.test')}&eid=${eid}`,
    );
  });

  it('also returns the standard-only URI: same label, secret and settings, none of the cidaas extras', async () => {
    const token = await server.token({ sub: 'poca-standard', extra: { name: 'Poca Hontas' } });
    const { body: offer } = await api.initiate(token);
    expect(offer.otpauth_uri_standard).toBe(
      `otpauth://totp/default:Poca%20Hontas?secret=${offer.totp_secret}&issuer=default&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it('renders a QR code that zbarimg decodes to exactly the otpauth URI', async () => {
    const token = await server.token({ sub: 'qr-user' });
    const { body: offer } = await api.initiate(token);
    expect(decodeQrDataUrl(offer.qr_code)).toBe(offer.otpauth_uri);
  });

  it('uses the client_id the caller names as the authenticator client id', async () => {
    const token = await server.token({ sub: 'client-user' });
    const clientId = '532542d2-c6b8-4921-86b6-bb1da13f941b';
    const { body: offer } = await api.initiate(token, { client_id: clientId });
    expect(offer.authenticator_client_id).toBe(clientId);
    expect(parseOtpauthUri(offer.otpauth_uri).params.cid).toBe(clientId);
  });

  it("honours the tenant's algorithm, digits, period and issuer, and oathtool's SHA256 8-digit code completes it", async () => {
    await configure('sha256-tenant', { algorithm: 'SHA256', digits: 8, period: 60, issuer: 'Acme Bank' });
    const token = await server.token({ sub: 'carol', tenant: 'sha256-tenant' });
    const { body: offer } = await api.initiate(token);
    const { label, params } = parseOtpauthUri(offer.otpauth_uri);
    expect(label).toBe('Acme Bank:carol');
    expect(params).toMatchObject({ issuer: 'Acme Bank', algorithm: 'SHA256', digits: '8', period: '60', tk: 'sha256-tenant' });
    const now = server.clock.now().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    const code = execFileSync('oathtool', ['--totp=sha256', '-d', '8', '-s', '60', '-b', offer.totp_secret, '--now', now]).toString().trim();
    const done = await api.verify(token, offer.exchange_id.exchange_id, code);
    expect(done.status).toBe(200);
  });

  it('accepts a SHA1 6-digit code from oathtool for the default settings', async () => {
    const token = await server.token({ sub: 'oath-user' });
    const { body: offer } = await api.initiate(token);
    const now = server.clock.now().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    const code = execFileSync('oathtool', ['--totp', '-b', offer.totp_secret, '--now', now]).toString().trim();
    expect((await api.verify(token, offer.exchange_id.exchange_id, code)).status).toBe(200);
  });

  it('refuses a method the tenant deactivated with 409 VER_0021', async () => {
    await configure('inactive-tenant', {}, false);
    const token = await server.token({ sub: 'dave', tenant: 'inactive-tenant' });
    const res = await api.initiate(token);
    expectProblem(res, 409, 'VER_0021');
  });

  it('refuses an unknown method with 404 VER_0020', async () => {
    const token = await server.token({ sub: 'erin' });
    const res = await request(`${server.url}/verification-actions-srv/setup/voice/initiation`, { token, body: {} });
    expectProblem(res, 404, 'VER_0020');
  });

  it('refuses a new enrollment once the user has max_devices authenticators with 409 VER_0039', async () => {
    await configure('one-device', { max_devices: 1 });
    const token = await server.token({ sub: 'frank', tenant: 'one-device' });
    const { body: offer } = await api.initiate(token);
    expect((await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret))).status).toBe(200);
    const res = await api.initiate(await steppedUpToken(server, { sub: 'frank', tenant: 'one-device' }));
    expectProblem(res, 409, 'VER_0039');
  });

  it('requires a bearer token', async () => {
    const res = await request(`${server.url}/verification-actions-srv/setup/totp/initiation`, { body: {} });
    expectProblem(res, 401, 'VER_0010');
  });

  it('rejects a malformed client_id with 400 naming the field', async () => {
    const token = await server.token({ sub: 'gina' });
    const res = await api.initiate(token, { client_id: 'not-a-uuid' });
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('client_id');
  });
});

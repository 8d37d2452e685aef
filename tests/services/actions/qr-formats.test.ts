import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchChromium } from '../../helpers/browser.ts';
import { type Offer, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { decodeQrDataUrl, decodeSvgQrDataUrl } from '../../helpers/qr.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
withEnrollmentServer((s) => {
  server = s;
});

const initiate = async (sub: string, query: string, path = '/verification-actions-srv/setup/totp/initiation') =>
  request<Offer>(`${server.url}${path}${query}`, { token: await server.token({ sub }), body: {} });

describe('?qr= on enrollment initiation and rotation', () => {
  it('renders a PNG by default and with ?qr=png, which zbarimg decodes to the otpauth URI', async () => {
    for (const query of ['', '?qr=png']) {
      const { status, body } = await initiate(`png-${query.length}`, query);
      expect(status).toBe(201);
      expect(body.qr_code).toMatch(/^data:image\/png;base64,/);
      expect(decodeQrDataUrl(body.qr_code!)).toBe(body.otpauth_uri);
    }
  });

  it('leaves the QR code out with ?qr=none, and keeps everything else', async () => {
    const { status, body } = await initiate('no-qr', '?qr=none');
    expect(status).toBe(201);
    expect(body).not.toHaveProperty('qr_code');
    expect(body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(body.totp_secret).toBeTruthy();
  });

  it('refuses any other ?qr= with 400 VER_0001 naming qr, and starts nothing', async () => {
    const sub = 'bad-qr';
    expectProblem(await initiate(sub, '?qr=gif'), 400, 'VER_0001');
    // Nothing was started: the user's first real initiation is not refused as a second factor's.
    expect((await initiate(sub, '')).status).toBe(201);
  });

  it('takes ?qr= on the v2 path too', async () => {
    const { status, body } = await initiate('v2-qr', '?qr=none', '/verification-srv/v2/setup/initiate/totp');
    expect(status).toBe(201);
    expect(body).not.toHaveProperty('qr_code');
  });
});

describe.runIf(browserTestsEnabled('qr-formats'))('?qr=svg, drawn by a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('renders a 256 px SVG that decodes to the otpauth URI', async () => {
    const { status, body } = await initiate('svg-user', '?qr=svg');
    expect(status).toBe(201);
    expect(body.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(body.qr_code!.split(',')[1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg [^>]*width="256" height="256"/);
    expect(await decodeSvgQrDataUrl(body.qr_code!, browser)).toBe(body.otpauth_uri);
  });

  it('renders the rotated enrollment as SVG with ?qr=svg on the rotation', async () => {
    const token = await server.token({ sub: 'svg-rotation' });
    const { body: offer } = await request<Offer>(`${server.url}/verification-actions-srv/setup/totp/initiation?qr=none`, { token, body: {} });
    const rotated = await request<Offer>(`${server.url}/verification-actions-srv/setup/totp/rotation/${offer.exchange_id.exchange_id}?qr=svg`, {
      method: 'POST',
      token,
    });
    expect(rotated.status).toBe(200);
    expect(await decodeSvgQrDataUrl(rotated.body.qr_code!, browser)).toBe(rotated.body.otpauth_uri);
  });
});

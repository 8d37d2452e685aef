import { describe, expect, it } from 'vitest';
import { buildOtpauthUri, generateSecret, renderQrDataUrl } from '../../../shared/otp/index.ts';
import { decodeQr, pngFromDataUrl, pngSize, textForQrVersion } from './helpers.ts';

const FULL_URI = buildOtpauthUri({
  secret: generateSecret(),
  issuer: 'Acme Corp',
  accountName: 'zoë@example.com',
  algorithm: 'SHA256',
  digits: 8,
  period: 60,
  type: 'totp',
  displayName: 'Zoë & Co',
  tenantKey: 'acme-eu',
  logoUrl: 'https://acme.example/logo.png?size=64&theme=dark',
  sub: '6f1c1b0e-4a7f-4e8e-9a57-2f3e7c1d9b10',
  clientId: 'b5d0f7a2-2d3c-4e55-a1c9-8f1e0d2c3b4a',
  baseUrl: 'https://verify.acme.example',
  exchangeId: '3d1f6a52-8c0b-4b7e-b3f6-0c2a5e9d7f41',
});

describe('renderQrDataUrl', () => {
  it('returns a PNG data URL', async () => {
    expect(await renderQrDataUrl(FULL_URI)).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  });

  it('decodes with zbarimg to the URI, byte for byte', async () => {
    const png = pngFromDataUrl(await renderQrDataUrl(FULL_URI));
    expect((await decodeQr(png)).equals(Buffer.from(FULL_URI, 'utf8'))).toBe(true);
  });

  it('is a 256 × 256 px image', async () => {
    expect(pngSize(pngFromDataUrl(await renderQrDataUrl(FULL_URI)))).toEqual({ width: 256, height: 256 });
  });

  // Symbol sizes whose module width is furthest from a whole number of pixels.
  it.each([7, 35])('is still 256 px and readable for a version %i symbol', async (version) => {
    const text = textForQrVersion(version);
    const png = pngFromDataUrl(await renderQrDataUrl(text));
    expect(pngSize(png).width).toBe(256);
    expect((await decodeQr(png)).toString('utf8')).toBe(text);
  });
});

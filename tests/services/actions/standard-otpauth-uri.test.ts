import { describe, expect, it } from 'vitest';
import { type EnrollmentClient, type Offer, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { parseWithPyotp, pyotpUnavailable, pyotpVersion } from '../../helpers/pyotp.ts';
import { alignToMidStep, setTotpConfig, uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';

// Strict parsers, as found in the wild: Debian's python3-pyotp (2.6) refuses unknown
// parameters and percent-decodes the whole URI before splitting its query.
const unavailable = pyotpUnavailable();

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

async function offerFor(tenant: string | undefined, name: string): Promise<{ token: string; offer: Offer }> {
  const token = await server.token({ sub: uniqueSub('pyotp'), ...(tenant ? { tenant } : {}), extra: { name } });
  alignToMidStep(server);
  const res = await api.initiate(token);
  expect(res.status).toBe(201);
  return { token, offer: res.body };
}

describe.skipIf(unavailable !== undefined)("Debian's pyotp and the two otpauth URIs", () => {
  it('runs against pyotp 2.6, the release that refuses unknown parameters', async () => {
    expect(await pyotpVersion()).toMatch(/^2\.6\./);
  });

  it('reads the standard URI and shows the code that completes the enrollment', async () => {
    const { token, offer } = await offerFor(undefined, 'Alice Smith');
    const parsed = await parseWithPyotp(offer.otpauth_uri_standard, server.clock.now().getTime());
    expect(parsed).toEqual({ ok: true, code: expect.stringMatching(/^\d{6}$/), issuer: 'default', name: 'Alice Smith' });
    const done = await api.verify(token, offer.exchange_id.exchange_id, (parsed as { code: string }).code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'ENROLLED' });
  });

  it('reads the standard URI of an issuer with & and spaces without mis-splitting it, and its code completes the enrollment', async () => {
    await setTotpConfig(server, 'pyotp-amp', { settings: { issuer: 'Smith & Wesson Co' } });
    const { token, offer } = await offerFor('pyotp-amp', 'Tom & Jerry');
    const parsed = await parseWithPyotp(offer.otpauth_uri_standard, server.clock.now().getTime());
    expect(parsed).toEqual({ ok: true, code: expect.stringMatching(/^\d{6}$/), issuer: 'Smith & Wesson Co', name: 'Tom & Jerry' });
    expect((await api.verify(token, offer.exchange_id.exchange_id, (parsed as { code: string }).code)).status).toBe(200);
  });

  it('reads the standard URI of a tenant with SHA256, 8 digits and 60 s, and its code completes the enrollment', async () => {
    await setTotpConfig(server, 'pyotp-sha256', { settings: { algorithm: 'SHA256', digits: 8, period: 60, issuer: 'Acme Bank' } });
    const { token, offer } = await offerFor('pyotp-sha256', 'carol');
    alignToMidStep(server, 60_000);
    const parsed = await parseWithPyotp(offer.otpauth_uri_standard, server.clock.now().getTime());
    expect(parsed).toMatchObject({ ok: true, code: expect.stringMatching(/^\d{8}$/), issuer: 'Acme Bank' });
    expect((await api.verify(token, offer.exchange_id.exchange_id, (parsed as { code: string }).code)).status).toBe(200);
  });

  it('reads the standard URI of a rotation, with the new secret', async () => {
    const { token, offer } = await offerFor(undefined, 'Rita Rotate');
    const rotated = await api.rotate(token, offer.exchange_id.exchange_id);
    expect(rotated.status).toBe(200);
    expect(rotated.body.otpauth_uri_standard).toContain(`secret=${rotated.body.totp_secret}&`);
    const parsed = await parseWithPyotp(rotated.body.otpauth_uri_standard, server.clock.now().getTime());
    expect(parsed.ok).toBe(true);
    expect((await api.verify(token, rotated.body.exchange_id.exchange_id, (parsed as { code: string }).code)).status).toBe(200);
  });

  it("refuses the extended URI (the QR code's) because of cidaas' t parameter", async () => {
    const { offer } = await offerFor(undefined, 'Alice Smith');
    expect(await parseWithPyotp(offer.otpauth_uri, server.clock.now().getTime())).toEqual({
      ok: false,
      error: 'ValueError: t is not a valid parameter',
    });
  });

  it('refuses the extended URI of an issuer with & even before the extras, by mis-splitting the issuer', async () => {
    await setTotpConfig(server, 'pyotp-amp-ext', { settings: { issuer: 'Smith & Wesson Co' } });
    const { offer } = await offerFor('pyotp-amp-ext', 'Alice Smith');
    expect(await parseWithPyotp(offer.otpauth_uri, server.clock.now().getTime())).toEqual({
      ok: false,
      error: 'ValueError: If issuer is specified in both label and parameters, it should be equal.',
    });
  });
});

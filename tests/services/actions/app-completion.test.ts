import { describe, expect, it } from 'vitest';
import { codeNow, wrongCode, withEnrollmentServer, type EnrollmentClient } from '../../helpers/enrollment.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

async function started(sub: string) {
  const token = await server.token({ sub });
  return (await api.initiate(token)).body;
}

describe('authenticator app: scan, then enroll', () => {
  it('moves INITIATED → SCANNED → ENROLLED, visible to the status poll, binding the device id', async () => {
    const offer = await started('alice');
    const scan = await api.scan(offer, 'dd7e81392ff7bbd3', { push_id: 'push-token-1' });
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({ status: 'SCANNED', exchange_id: offer.exchange_id.exchange_id });
    expect((await api.status(offer.status_id)).body.status).toBe('SCANNED');

    const enroll = await api.enroll(offer, codeNow(server, offer.totp_secret), 'dd7e81392ff7bbd3');
    expect(enroll.status).toBe(200);
    const result = enroll.body as { ph_id: string; device_id: string };
    expect(result).toMatchObject({ status: 'ENROLLED', device_id: 'dd7e81392ff7bbd3' });

    const status = await api.status(offer.status_id);
    expect(status.body).toMatchObject({ status: 'ENROLLED', ph_id: result.ph_id, device_id: 'dd7e81392ff7bbd3' });
  });

  it('treats a repeated scan from the same device as the same scan', async () => {
    const offer = await started('bob');
    expect((await api.scan(offer, 'phone')).status).toBe(200);
    const again = await api.scan(offer, 'phone');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'SCANNED' });
  });

  it('refuses a scan from a second device with 409 VER_0036', async () => {
    const offer = await started('carol');
    await api.scan(offer, 'phone-1');
    const res = await api.scan(offer, 'phone-2');
    expectProblem(res, 409, 'VER_0036');
  });

  it('refuses a client_id other than the authenticator client id with 403 VER_0037', async () => {
    const offer = await started('dave');
    const res = await api.scan({ ...offer, authenticator_client_id: '11111111-1111-4111-8111-111111111111' });
    expectProblem(res, 403, 'VER_0037');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });

  it('refuses to enroll before the code was scanned with 409 VER_0035', async () => {
    const offer = await started('erin');
    const res = await api.enroll(offer, codeNow(server, offer.totp_secret));
    expectProblem(res, 409, 'VER_0035');
  });

  it('refuses to enroll from a device other than the one that scanned with 403 VER_0038', async () => {
    const offer = await started('frank');
    await api.scan(offer, 'phone-1');
    const res = await api.enroll(offer, codeNow(server, offer.totp_secret), 'phone-2');
    expectProblem(res, 403, 'VER_0038');
  });

  it('counts wrong codes from the app and fails the enrollment after five', async () => {
    const offer = await started('gina');
    await api.scan(offer, 'phone');
    for (let i = 0; i < 4; i++) expectProblem(await api.enroll(offer, wrongCode(server, offer.totp_secret), 'phone'), 400, 'VER_0041');
    expectProblem(await api.enroll(offer, wrongCode(server, offer.totp_secret), 'phone'), 409, 'VER_0034');
    expect((await api.status(offer.status_id)).body.status).toBe('FAILED');
  });

  it('does not let the profile path complete an enrollment an app already scanned', async () => {
    const token = await server.token({ sub: 'hank' });
    const { body: offer } = await api.initiate(token);
    await api.scan(offer, 'phone');
    const res = await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expectProblem(res, 409, 'VER_0036');
  });

  it('rejects a device_id with control characters with 400, leaving the enrollment untouched', async () => {
    const offer = await started('judy');
    const res = await api.scan(offer, 'phone\u0000one');
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('device_id');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });

  it('rejects a scan body missing device_id with 400 naming it', async () => {
    const offer = await started('ivan');
    const res = await api.scan(offer, '');
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('device_id');
  });
});

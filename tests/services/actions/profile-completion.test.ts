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

describe('POST /verification-actions-srv/setup/totp/verification (profile UI)', () => {
  it('enrolls with the first code and the status poll shows INITIATED then ENROLLED with the ph_id', async () => {
    const token = await server.token({ sub: 'alice' });
    const { body: offer } = await api.initiate(token);
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');

    const res = await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expect(res.status).toBe(200);
    const result = res.body as { status: string; ph_id: string; sub: string };
    expect(result).toMatchObject({ status: 'ENROLLED', sub: 'alice', status_id: offer.status_id });

    const status = await api.status(offer.status_id);
    expect(status.body).toMatchObject({ status: 'ENROLLED', id: offer.status_id, sub: 'alice', type: 'TOTP', ph_id: result.ph_id });
  });

  it('answers a wrong code with 400 VER_0041 and the attempts left', async () => {
    const token = await server.token({ sub: 'bob' });
    const { body: offer } = await api.initiate(token);
    const res = await api.verify(token, offer.exchange_id.exchange_id, wrongCode(server, offer.totp_secret));
    expectProblem(res, 400, 'VER_0041');
    expect(res.body).toMatchObject({ remaining_attempts: 4 });
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });

  it('fails the enrollment after five wrong codes, and then refuses even the right code', async () => {
    const token = await server.token({ sub: 'carol' });
    const { body: offer } = await api.initiate(token);
    const eid = offer.exchange_id.exchange_id;
    for (let i = 0; i < 4; i++) expectProblem(await api.verify(token, eid, wrongCode(server, offer.totp_secret)), 400, 'VER_0041');
    expectProblem(await api.verify(token, eid, wrongCode(server, offer.totp_secret)), 409, 'VER_0034');
    expect((await api.status(offer.status_id)).body.status).toBe('FAILED');
    const late = await api.verify(token, eid, codeNow(server, offer.totp_secret));
    expectProblem(late, 409, 'VER_0034');
  });

  it('refuses a second completion of an enrolled exchange with 409 VER_0032', async () => {
    const token = await server.token({ sub: 'dave' });
    const { body: offer } = await api.initiate(token);
    const code = codeNow(server, offer.totp_secret);
    expect((await api.verify(token, offer.exchange_id.exchange_id, code)).status).toBe(200);
    const again = await api.verify(token, offer.exchange_id.exchange_id, code);
    expectProblem(again, 409, 'VER_0032');
  });

  it("does not let another user complete someone's enrollment (404, as if unknown)", async () => {
    const owner = await server.token({ sub: 'erin' });
    const intruder = await server.token({ sub: 'mallory' });
    const { body: offer } = await api.initiate(owner);
    const res = await api.verify(intruder, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expectProblem(res, 404, 'VER_0030');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });

  it('does not let the same sub of another tenant complete it', async () => {
    const owner = await server.token({ sub: 'frank', tenant: 'tenant-a' });
    const twin = await server.token({ sub: 'frank', tenant: 'tenant-b' });
    const { body: offer } = await api.initiate(owner);
    const res = await api.verify(twin, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expectProblem(res, 404, 'VER_0030');
  });

  it('rejects a pass_code that is not 6 to 8 digits with 400 naming pass_code, without counting an attempt', async () => {
    const token = await server.token({ sub: 'gina' });
    const { body: offer } = await api.initiate(token);
    const res = await api.verify(token, offer.exchange_id.exchange_id, '12ab56');
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('pass_code');
    const wrong = await api.verify(token, offer.exchange_id.exchange_id, wrongCode(server, offer.totp_secret));
    expect(wrong.body).toMatchObject({ remaining_attempts: 4 });
  });

  it('answers an unknown exchange id with 404 VER_0030', async () => {
    const token = await server.token({ sub: 'hank' });
    const res = await api.verify(token, '00000000-0000-4000-8000-000000000000', '123456');
    expectProblem(res, 404, 'VER_0030');
  });
});

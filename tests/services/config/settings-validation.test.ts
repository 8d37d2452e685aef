import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.ts';
import { detailOf, expectProblem } from '../../helpers/problem.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.token({ sub: 'root', tenant: 'validation', scope: 'verification:admin' });
});
afterAll(() => server.close());

const putTotp = (body: unknown) => request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body });

describe('PUT /verification-srv/config/{type} refuses settings out of bounds, naming the field', () => {
  it.each([
    ['algorithm', 'MD5'],
    ['algorithm', 'SHA384'],
    ['digits', 5],
    ['digits', 9],
    ['digits', 6.5],
    ['digits', '6'],
    ['period', 14],
    ['period', 121],
    ['window', -1],
    ['window', 3],
    ['exchange_lifetime', 59],
    ['exchange_lifetime', 3601],
    ['max_devices', 0],
    ['max_devices', 21],
    ['issuer', ''],
    ['issuer', '   '],
    ['issuer', 'x'.repeat(65)],
    ['issuer', 'Acme:Corp'],
    ['issuer', 'Acme\u0007Corp'],
  ])('%s = %j is a 400 naming that field under settings', async (field, value) => {
    const res = await putTotp({ settings: { [field]: value } });
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toMatch(new RegExp(`^settings\\.${field}: `));
    expect((res.body as { errors: { field: string }[] }).errors[0]!.field).toBe(`settings.${field}`);
  });
});

describe('PUT /verification-srv/config/{type} accepts every value at the edge of its range', () => {
  it.each([
    ['algorithm', 'SHA1'],
    ['algorithm', 'SHA256'],
    ['algorithm', 'SHA512'],
    ['digits', 6],
    ['digits', 8],
    ['period', 15],
    ['period', 120],
    ['window', 0],
    ['window', 2],
    ['exchange_lifetime', 60],
    ['exchange_lifetime', 3600],
    ['max_devices', 1],
    ['max_devices', 20],
    ['issuer', 'x'.repeat(64)],
    ['issuer', 'Acme Corp'],
    ['issuer', null],
  ])('%s = %j is stored', async (field, value) => {
    const res = await putTotp({ settings: { [field]: value } });
    expect(res.status).toBe(200);
    expect((res.body as { settings: Record<string, unknown> }).settings[field]).toEqual(value);
  });
});

describe('PUT /verification-srv/config/{type} refuses a body it does not understand', () => {
  it('rejects an unknown setting and names it', async () => {
    const res = await putTotp({ settings: { colour: 'red' } });
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('colour');
  });

  it('rejects an unknown top-level field and names it', async () => {
    const res = await putTotp({ enabled: true });
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toContain('enabled');
  });

  it('rejects active when it is not a boolean', async () => {
    const res = await putTotp({ active: 'yes' });
    expectProblem(res, 400, 'VER_0001');
    expect(detailOf(res)).toMatch(/^active: /);
  });

  it('rejects a body that is a JSON array rather than an object', async () => {
    const res = await putTotp([{ active: false }]);
    expectProblem(res, 400, 'VER_0001');
  });

  it('leaves the stored settings untouched when a change is refused', async () => {
    const token = await server.token({ sub: 'root', tenant: 'refused-change', scope: 'verification:admin' });
    const url = `${server.url}/verification-srv/config/totp`;
    await request(url, { method: 'PUT', token, body: { settings: { digits: 7 } } });
    const refused = await request(url, { method: 'PUT', token, body: { active: false, settings: { digits: 8, period: 5 } } });
    expect(refused.status).toBe(400);
    const res = await request<{ active: boolean; settings: { digits: number; period: number } }>(url, { token });
    expect(res.body).toMatchObject({ active: true, settings: { digits: 7, period: 30 } });
  });
});

import { describe, expect, it } from 'vitest';
import { codeNow, type EnrollmentClient, type Offer, withEnrollmentServer } from '../../helpers/enrollment.ts';
import type { JsonResponse } from '../../helpers/http.ts';
import { alignToMidStep, enrolledUser, setTotpConfig, uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';

const PARALLEL = 50;

let server: TestServer;
let api: EnrollmentClient;
// One user initiates 20 enrollments at once below; the initiation limit has its own tests.
withEnrollmentServer(
  (s, a) => {
    server = s;
    api = a;
  },
  { env: { INITIATION_RATE_LIMIT: '0' } },
);

/** How many responses had each `status code` pair, e.g. `{ '200': 1, '409 VER_0032': 49 }`. */
function tally(responses: JsonResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const res of responses) {
    const code = (res.body as { code?: string } | undefined)?.code;
    const key = res.status < 300 ? String(res.status) : `${res.status} ${code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function authenticatorsOf(statusId: string): Promise<number> {
  const { rows } = await server.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authenticators WHERE enrollment_status_id = $1', [
    statusId,
  ]);
  return rows[0]!.n;
}

async function freshOffer(sub: string): Promise<{ token: string; offer: Offer }> {
  const token = await server.token({ sub });
  alignToMidStep(server);
  const { body: offer } = await api.initiate(token);
  return { token, offer };
}

describe('racing completions of one enrollment', () => {
  it(`${PARALLEL} profile completions with one valid code: exactly one ENROLLED, the rest 409 VER_0032, never a 500`, async () => {
    const { token, offer } = await freshOffer(uniqueSub('profile-race'));
    const code = codeNow(server, offer.totp_secret);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => api.verify(token, offer.exchange_id.exchange_id, code)));
    expect(tally(responses)).toEqual({ '200': 1, '409 VER_0032': PARALLEL - 1 });
    expect(await authenticatorsOf(offer.status_id)).toBe(1);
    expect((await api.status(offer.status_id)).body.status).toBe('ENROLLED');
  });

  it(`${PARALLEL} app enrollments after the scan with one valid code: exactly one ENROLLED, the rest 409 VER_0032, never a 500`, async () => {
    const { offer } = await freshOffer(uniqueSub('app-race'));
    expect((await api.scan(offer, 'phone-1')).status).toBe(200);
    const code = codeNow(server, offer.totp_secret);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => api.enroll(offer, code, 'phone-1')));
    expect(tally(responses)).toEqual({ '200': 1, '409 VER_0032': PARALLEL - 1 });
    expect(await authenticatorsOf(offer.status_id)).toBe(1);
  });

  it('20 enrollments of one user finishing at once never exceed max_devices=2', async () => {
    await setTotpConfig(server, 'race-max', { settings: { max_devices: 2 } });
    const sub = uniqueSub('max-race');
    const token = await server.token({ sub, tenant: 'race-max' });
    alignToMidStep(server);
    const offers = await Promise.all(Array.from({ length: 20 }, () => api.initiate(token)));
    expect(offers.every((o) => o.status === 201)).toBe(true);
    const responses = await Promise.all(offers.map(({ body: offer }) => api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret))));
    expect(tally(responses)).toEqual({ '200': 2, '409 VER_0039': 18 });
    const { rows } = await server.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authenticators WHERE tenant_id = $1 AND sub = $2', [
      'race-max',
      sub,
    ]);
    expect(rows[0]!.n).toBe(2);
  });
});

describe('racing sign-ins', () => {
  it(`${PARALLEL} sign-ins with one valid code: exactly one AUTHENTICATED, every other one refused, never a 500`, async () => {
    const user = await enrolledUser(server, { prefix: 'signin-race' });
    const code = codeNow(server, user.secret);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => api.signIn(user.token, code)));
    const counts = tally(responses);
    expect(counts['200']).toBe(1);
    expect(responses.filter((r) => (r.body as { status?: unknown }).status === 'AUTHENTICATED')).toHaveLength(1);
    expect(Object.keys(counts).filter((key) => key !== '200' && key !== '400 VER_0041' && key !== '429 VER_0042')).toEqual([]);
  });

  it(`${PARALLEL} sign-ins with one valid code: the 49 copies are refused as replays (400 VER_0041), not counted as wrong guesses`, async () => {
    const user = await enrolledUser(server, { prefix: 'signin-race-replay' });
    const code = codeNow(server, user.secret);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => api.signIn(user.token, code)));
    expect(tally(responses)).toEqual({ '200': 1, '400 VER_0041': PARALLEL - 1 });
  });
});

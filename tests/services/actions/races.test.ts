import { describe, expect, it } from 'vitest';
import { THROTTLE_POLICY } from '../../../shared/throttle/throttle-policy.ts';
import { codeNow, wrongCode, type EnrollmentClient, type Offer, withEnrollmentServer } from '../../helpers/enrollment.ts';
import type { JsonResponse } from '../../helpers/http.ts';
import { alignToMidStep, enrolledUser, setTotpConfig, uniqueSub } from '../../helpers/sign-in.ts';
import { securityEventsOf } from '../../helpers/security-events.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';

const PARALLEL = 50;
/** Wrong codes sent together: more than the free failures and the enrollment's attempts. */
const WRONG_AT_ONCE = 12;

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

/** The user's sign-in throttle: consecutive failures, and whether a wait is imposed now. */
async function throttleOf(sub: string): Promise<{ failures: number; locked: boolean }> {
  const { rows } = await server.deps.db.query<{ failures: number; locked_until: Date | null }>(
    "SELECT failures, locked_until FROM sign_in_throttle WHERE tenant_id = 'default' AND sub = $1",
    [sub],
  );
  const row = rows[0]!;
  return { failures: row.failures, locked: row.locked_until !== null && row.locked_until > server.clock.now() };
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
    const { sub } = await enrolledUser(server, { prefix: 'max-race', tenant: 'race-max' });
    const token = await steppedUpToken(server, { sub, tenant: 'race-max' });
    alignToMidStep(server);
    const offers = await Promise.all(Array.from({ length: 20 }, () => api.initiate(token)));
    expect(offers.every((o) => o.status === 201)).toBe(true);
    const responses = await Promise.all(offers.map(({ body: offer }) => api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret))));
    expect(tally(responses)).toEqual({ '200': 1, '409 VER_0039': 19 });
    const { rows } = await server.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authenticators WHERE tenant_id = $1 AND sub = $2', [
      'race-max',
      sub,
    ]);
    expect(rows[0]!.n).toBe(2);
  });

  it('20 first-factor enrollments of one user finishing at once: one becomes the first factor, the rest 409 VER_0015', async () => {
    const sub = uniqueSub('first-race');
    const token = await server.token({ sub });
    alignToMidStep(server);
    const offers = await Promise.all(Array.from({ length: 20 }, () => api.initiate(token)));
    expect(offers.every((o) => o.status === 201)).toBe(true);
    const responses = await Promise.all(offers.map(({ body: offer }) => api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret))));
    expect(tally(responses)).toEqual({ '200': 1, '409 VER_0015': 19 });
    const { rows } = await server.deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM authenticators WHERE tenant_id = 'default' AND sub = $1", [sub]);
    expect(rows[0]!.n).toBe(1);
  });
});

describe('racing sign-ins', () => {
  it(`${PARALLEL} sign-ins with one valid code: exactly one AUTHENTICATED, the ${PARALLEL - 1} copies refused as replays (400 VER_0041) and not counted as wrong guesses`, async () => {
    const user = await enrolledUser(server, { prefix: 'signin-race-replay' });
    const code = codeNow(server, user.secret);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => api.signIn(user.token, code)));
    expect(tally(responses)).toEqual({ '200': 1, '400 VER_0041': PARALLEL - 1 });
    expect(responses.filter((r) => (r.body as { status?: unknown }).status === 'AUTHENTICATED')).toHaveLength(1);
    expect(await throttleOf(user.sub)).toEqual({ failures: 0, locked: false });
  });

  it(`${WRONG_AT_ONCE} wrong codes sent at once are each counted: the same answers and throttle state as ${WRONG_AT_ONCE} sent one after another`, async () => {
    const oneByOne = await enrolledUser(server, { prefix: 'wrong-sequential' });
    const atOnce = await enrolledUser(server, { prefix: 'wrong-parallel' });
    // However slow the machine, every code arrives within the backoff the fourth one starts.
    server.clock.freeze();
    try {
      const sequential: JsonResponse[] = [];
      for (let i = 0; i < WRONG_AT_ONCE; i++) sequential.push(await api.signIn(oneByOne.token, wrongCode(server, oneByOne.secret)));
      const parallel = await Promise.all(Array.from({ length: WRONG_AT_ONCE }, () => api.signIn(atOnce.token, wrongCode(server, atOnce.secret))));

      // Three free failures, the fourth starts a backoff, and codes sent during it are refused unchecked.
      const expected = { '400 VER_0041': THROTTLE_POLICY.FREE_FAILURES + 1, '429 VER_0042': WRONG_AT_ONCE - THROTTLE_POLICY.FREE_FAILURES - 1 };
      expect(tally(sequential)).toEqual(expected);
      expect(tally(parallel)).toEqual(expected);
      expect(await throttleOf(atOnce.sub)).toEqual(await throttleOf(oneByOne.sub));
      expect(await throttleOf(atOnce.sub)).toEqual({ failures: THROTTLE_POLICY.FREE_FAILURES + 1, locked: true });
    } finally {
      server.clock.resume();
    }
    const counted = securityEventsOf(server, atOnce.sub).filter((e) => e.event === 'authentication.wrong_code');
    expect(counted.map((e) => e.failures)).toEqual([1, 2, 3, 4]);
  });
});

describe('racing wrong enrollment codes', () => {
  it(`${WRONG_AT_ONCE} wrong codes at once: four refused with attempts left, the fifth fails the enrollment, the rest find it FAILED`, async () => {
    const { token, offer } = await freshOffer(uniqueSub('enroll-wrong-race'));
    const code = wrongCode(server, offer.totp_secret);
    const responses = await Promise.all(Array.from({ length: WRONG_AT_ONCE }, () => api.verify(token, offer.exchange_id.exchange_id, code)));
    expect(tally(responses)).toEqual({ '400 VER_0041': 4, '409 VER_0034': WRONG_AT_ONCE - 4 });
    const remaining = responses.map((r) => (r.body as { remaining_attempts?: number }).remaining_attempts).filter((n) => n !== undefined);
    expect(remaining.sort()).toEqual([1, 2, 3, 4]);
    const { rows } = await server.deps.db.query<{ status: string; failed_attempts: number }>(
      'SELECT status, failed_attempts FROM exchanges WHERE status_id = $1',
      [offer.status_id],
    );
    expect(rows[0]).toEqual({ status: 'FAILED', failed_attempts: 5 });
  });
});

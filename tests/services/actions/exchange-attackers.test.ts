import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeClient, exchangeOf } from '../../helpers/challenge.ts';
import { enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import { type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import type { JsonResponse } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { securityEventsOf } from '../../helpers/security-events.ts';
import type { TestServer } from '../../helpers/test-server.ts';

// Attackers holding someone else's identifiers, or racing the owner: what they get is nothing.

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer(
  (s, a) => {
    server = s;
    api = a;
  },
  { env: { INITIATION_RATE_LIMIT: '0' } },
);

const FLOOD = 30;

/** The status of each response, with its problem code when refused: `200`, `409 VER_0033`. */
function outcomes(responses: JsonResponse[]): string[] {
  return responses.map((res) => (res.status < 300 ? String(res.status) : `${res.status} ${(res.body as { code?: string }).code}`));
}

describe('an enrollment of another tenant', () => {
  it('cannot be rotated or cancelled by a token with the same sub (404 VER_0030); its QR still scans', async () => {
    const sub = uniqueSub('twin');
    const owner = await server.token({ sub, tenant: `home-${randomUUID().slice(0, 8)}` });
    const { body: offer } = await api.initiate(owner);
    const twin = await server.token({ sub });
    expectProblem(await api.rotate(twin, offer.exchange_id.exchange_id), 404, 'VER_0030');
    expectProblem(await api.cancel(twin, offer.exchange_id.exchange_id), 404, 'VER_0030');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
    expect((await api.scan(offer, 'owner-phone')).status).toBe(200);
  });
});

describe("a holder of the user's status id", () => {
  it('cannot rename the authenticator by passing the status id as ph_id (404 VER_0044); the name stays', async () => {
    const owner = await enrolledUser(server, { prefix: 'named' });
    await api.rename(owner.token, owner.phId, 'My phone');
    const holder = await server.token({ sub: uniqueSub('holder') });
    expectProblem(await api.rename(holder, owner.offer.status_id, 'Hijacked'), 404, 'VER_0044');
    expect((await api.devices(owner.token)).body).toEqual([expect.objectContaining({ ph_id: owner.phId, friendly_name: 'My phone' })]);
  });
});

describe('a flood of cancels', () => {
  it(`of one enrollment (${FLOOD} at once) cancels it once: one 200, the rest refused, one enrollment.cancelled`, async () => {
    const sub = uniqueSub('flood-enrol');
    const token = await server.token({ sub });
    const { body: offer } = await api.initiate(token);
    const answers = await Promise.all(Array.from({ length: FLOOD }, () => api.cancel(token, offer.exchange_id.exchange_id)));
    const seen = outcomes(answers);
    expect(seen.filter((o) => o === '200')).toHaveLength(1);
    expect(seen.filter((o) => o !== '200').every((o) => o === '409 VER_0033' || o === '404 VER_0030')).toBe(true);
    expect((await api.status(offer.status_id)).body.status).toBe('CANCELLED');
    expect(securityEventsOf(server, sub).filter((e) => e.event === 'enrollment.cancelled')).toHaveLength(1);
  });

  it(`of one TOTP sign-in challenge (${FLOOD} at once) cancels it once: one 200, the rest refused`, async () => {
    const challenges = challengeClient(server);
    const user = await enrolledUser(server, { prefix: 'flood-challenge' });
    const started = await challenges.initiate(user.token);
    const exchangeId = exchangeOf(started);
    const answers = await Promise.all(Array.from({ length: FLOOD }, () => challenges.cancel(user.token, exchangeId)));
    const seen = outcomes(answers);
    expect(seen.filter((o) => o === '200')).toHaveLength(1);
    expect(seen.filter((o) => o !== '200').every((o) => o === '409 VER_0026' || o === '404 VER_0023')).toBe(true);
    expect((await challenges.status(started.body.status_id)).body).toMatchObject({ status: 'CANCELLED' });
    expect(securityEventsOf(server, user.sub).filter((e) => e.event === 'challenge.cancelled')).toHaveLength(1);
  });
});

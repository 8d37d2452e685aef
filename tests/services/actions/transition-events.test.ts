import { afterEach, describe, expect, it } from 'vitest';
import { transition } from '../../../shared/exchanges/exchange-access.ts';
import { findByExchangeId } from '../../../shared/exchanges/exchange-repository.ts';
import { sweepExpired } from '../../../shared/exchanges/sweep-expired.ts';
import { auditClient } from '../../helpers/audit.ts';
import { challengeClient, exchangeOf } from '../../helpers/challenge.ts';
import { codeNow, wrongCode, type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { outboxAtRest } from '../../helpers/delivery.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { alignToMidStep, enrolledUser, retryAfterOf, uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { FAST_WEBHOOKS, verifiedBody, webhookClient } from '../../helpers/webhooks.ts';

// Every status change of an enrollment or sign-in challenge is recorded once, in the transaction
// of the change, wherever it happens (a request, a status read, the sweep): DESIGN §16, §17.

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer(
  (s, a) => {
    server = s;
    api = a;
  },
  { env: FAST_WEBHOOKS },
);

const TEN_MINUTES = 10 * 60_000;
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A user of a tenant of their own, its admin token, and a receiver subscribed to every event of the tenant. */
async function watchedUser(prefix: string) {
  const tenant = uniqueSub(`${prefix}-tenant`);
  const sub = uniqueSub(prefix);
  const admin = await server.token({ sub: `admin-${tenant}`, tenant, scope: 'verification:admin' });
  const receiver = await startHttpReceiver();
  receivers.push(receiver);
  const endpoint = await webhookClient(server).create(admin, { url: receiver.url, events: ['*'] });
  expect(endpoint.status).toBe(201);
  const token = await server.token({ sub, tenant });
  /** The tenant's audit rows, oldest first: event and status id. */
  const audited = async () => (await auditClient(server).list(admin, 'order=asc&limit=200')).body.items.map((r) => [r.event, r.status_id]);
  /** The webhooks received once `count` arrived: type and status id, in order. */
  const delivered = async (count: number) =>
    (await receiver.waitForRequests(count)).map((req) => verifiedBody(endpoint.body.secret, req)).map((m) => [m.type, m.data.status_id ?? null]);
  return { tenant, sub, token, admin, receiver, audited, delivered };
}

describe('enrollment transitions', () => {
  it('records initiated, scanned and enrolled once each, in the audit trail and as webhooks, besides factor.added', async () => {
    const user = await watchedUser('tr-app');
    alignToMidStep(server);
    const { body: offer } = await api.initiate(user.token);
    expect((await api.scan(offer, 'phone-1')).status).toBe(200);
    // The app retries a scan on a flaky network: no new transition, no new event.
    expect((await api.scan(offer, 'phone-1')).status).toBe(200);
    expect((await api.enroll(offer, codeNow(server, offer.totp_secret), 'phone-1')).status).toBe(200);
    const id = offer.status_id;
    expect(await user.audited()).toEqual([
      ['enrollment.initiated', id],
      ['enrollment.scanned', id],
      ['enrollment.enrolled', id],
      ['factor.added', id],
    ]);
    expect(await user.delivered(4)).toEqual([
      ['enrollment.initiated', id],
      ['enrollment.scanned', id],
      ['enrollment.enrolled', id],
      ['factor.added', id],
    ]);
  });

  it('records a rotation as enrollment.rotated in the audit trail only, and a cancellation once', async () => {
    const user = await watchedUser('tr-cancel');
    const { body: offer } = await api.initiate(user.token);
    const rotated = await api.rotate(user.token, offer.exchange_id.exchange_id);
    expect(rotated.status).toBe(200);
    expect((await api.cancel(user.token, rotated.body.exchange_id.exchange_id)).status).toBe(200);
    expectProblem(await api.cancel(user.token, rotated.body.exchange_id.exchange_id), 409, 'VER_0033');
    const id = offer.status_id;
    expect(await user.audited()).toEqual([
      ['enrollment.initiated', id],
      ['enrollment.rotated', id],
      ['enrollment.cancelled', id],
    ]);
    expect(await user.delivered(2)).toEqual([
      ['enrollment.initiated', id],
      ['enrollment.cancelled', id],
    ]);
  });

  it('records the fifth wrong code as one enrollment.failed, after the wrong codes', async () => {
    const user = await watchedUser('tr-fail');
    alignToMidStep(server);
    const { body: offer } = await api.initiate(user.token);
    const code = wrongCode(server, offer.totp_secret);
    for (let i = 0; i < 5; i++) await api.verify(user.token, offer.exchange_id.exchange_id, code);
    expectProblem(await api.verify(user.token, offer.exchange_id.exchange_id, code), 409, 'VER_0034');
    const events = (await user.audited()).map(([event]) => event);
    expect(events).toEqual(['enrollment.initiated', ...Array<string>(5).fill('enrollment.wrong_code'), 'enrollment.failed']);
    expect(await user.delivered(2)).toEqual([
      ['enrollment.initiated', offer.status_id],
      ['enrollment.failed', offer.status_id],
    ]);
  });

  it('records an expiry found by a status read once, and the sweep after it adds nothing', async () => {
    const user = await watchedUser('tr-read');
    const { body: offer } = await api.initiate(user.token);
    // The initiation's webhook goes out first: a clock jump during its send would look like a lost lease.
    await user.delivered(1);
    await outboxAtRest(server);
    server.clock.advance(TEN_MINUTES + 1000);
    expect((await api.status(offer.status_id)).body.status).toBe('EXPIRED');
    expect((await api.status(offer.status_id)).body.status).toBe('EXPIRED');
    await sweepExpired(server.deps.db, { now: server.clock.now(), events: server.deps.securityEvents });
    expect(await user.audited()).toEqual([
      ['enrollment.initiated', offer.status_id],
      ['enrollment.expired', offer.status_id],
    ]);
    expect(await user.delivered(2)).toEqual([
      ['enrollment.initiated', offer.status_id],
      ['enrollment.expired', offer.status_id],
    ]);
  });

  it('records an expiry by the sweep once, with no request behind it', async () => {
    const user = await watchedUser('tr-sweep');
    const { body: offer } = await api.initiate(user.token);
    const later = { now: new Date(server.clock.now().getTime() + TEN_MINUTES + 1000), events: server.deps.securityEvents };
    await sweepExpired(server.deps.db, later);
    await sweepExpired(server.deps.db, later);
    const rows = (await auditClient(server).list(user.admin, 'event=enrollment.expired')).body.items;
    expect(rows.map((r) => [r.status_id, r.actor, r.request_id])).toEqual([[offer.status_id, null, null]]);
    expect((await user.delivered(2))[1]).toEqual(['enrollment.expired', offer.status_id]);
  });

  it('records nothing for a change that rolled back', async () => {
    const user = await watchedUser('tr-rollback');
    const { body: offer } = await api.initiate(user.token);
    const ref = { kind: 'enrollment', type: 'TOTP', exchangeId: offer.exchange_id.exchange_id } as const;
    const at = { now: server.clock.now(), events: server.deps.securityEvents };
    await expect(
      server.deps.db.transaction(async (tx) => {
        await transition(tx, (await findByExchangeId(tx, ref, true))!, 'cancel', at);
        throw new Error('a later step of the change failed');
      }),
    ).rejects.toThrow('a later step of the change failed');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
    expect(await user.audited()).toEqual([['enrollment.initiated', offer.status_id]]);
    // The one webhook of the initiation arrives; the rolled-back cancellation never does.
    await user.delivered(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(user.receiver.requests).toHaveLength(1);
  });
});

describe('sign-in challenge transitions', () => {
  const challenges = () => challengeClient(server);

  /** An enrolled user of a tenant of their own, with the tenant's audit rows from after the enrollment. */
  async function signedUpUser(prefix: string) {
    const tenant = uniqueSub(`${prefix}-tenant`);
    const user = await enrolledUser(server, { prefix, tenant });
    const admin = await server.token({ sub: `admin-${tenant}`, tenant, scope: 'verification:admin' });
    const audited = async () =>
      (await auditClient(server).list(admin, 'order=asc&limit=200')).body.items.slice(3).map((r) => [r.event, r.status_id]);
    return { ...user, audited };
  }

  it('records a challenge answered right as challenge.initiated and challenge.authenticated, besides the sign-in', async () => {
    const user = await signedUpUser('tr-ch-ok');
    const offer = await challenges().initiate(user.token);
    const res = await challenges().verify(user.token, exchangeOf(offer), codeNow(server, user.secret));
    expect(res.status).toBe(200);
    const id = offer.body.status_id;
    expect(await user.audited()).toEqual([
      ['challenge.initiated', id],
      ['challenge.authenticated', id],
      ['authentication.succeeded', null],
    ]);
  });

  it('records a cancelled, a failed and an expired challenge once each', async () => {
    const user = await signedUpUser('tr-ch-end');
    const cancelled = await challenges().initiate(user.token);
    expect((await challenges().cancel(user.token, exchangeOf(cancelled))).status).toBe(200);
    const failed = await challenges().initiate(user.token);
    for (let i = 1; i <= 4; i++) {
      const wait = retryAfterOf(await challenges().verify(user.token, exchangeOf(failed), wrongCode(server, user.secret)));
      if (wait !== null) server.clock.advance(wait * 1000 + 1);
    }
    expectProblem(await challenges().verify(user.token, exchangeOf(failed), wrongCode(server, user.secret)), 409, 'VER_0027');
    const expired = await challenges().initiate(user.token);
    await sweepExpired(server.deps.db, { now: new Date(server.clock.now().getTime() + TEN_MINUTES + 1000), events: server.deps.securityEvents });
    const transitions = (await user.audited()).filter(([event]) => String(event).startsWith('challenge.'));
    expect(transitions).toEqual([
      ['challenge.initiated', cancelled.body.status_id],
      ['challenge.cancelled', cancelled.body.status_id],
      ['challenge.initiated', failed.body.status_id],
      ['challenge.failed', failed.body.status_id],
      ['challenge.initiated', expired.body.status_id],
      ['challenge.expired', expired.body.status_id],
    ]);
  });

  it('reaches webhooks only as the sign-in it ended with (challenge.* stay in the audit trail)', async () => {
    const user = await watchedUser('tr-ch-hook');
    const enrolled = await enrolledUser(server, { sub: user.sub, tenant: user.tenant });
    const offer = await challenges().initiate(enrolled.token);
    expect((await challenges().verify(enrolled.token, exchangeOf(offer), codeNow(server, enrolled.secret))).status).toBe(200);
    expect((await user.delivered(4)).map(([type]) => type)).toEqual(['enrollment.initiated', 'enrollment.enrolled', 'factor.added', 'authentication.succeeded']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(user.receiver.requests).toHaveLength(4);
  });
});

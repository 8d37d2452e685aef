import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, rateLimitKey } from '../../../shared/rate-limit/fixed-window.ts';
import { purgeExpiredRecords } from '../../../shared/retention/purge.ts';
import { startRetentionSweeper } from '../../../shared/retention/retention-sweeper.ts';
import { codeNow, enrollAuthenticator, enrollmentClient, wrongCode, type EnrollmentClient, type Offer } from '../../helpers/enrollment.ts';
import { eventually } from '../../helpers/listener-outage.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 30;

let server: TestServer;
let api: EnrollmentClient;
beforeAll(async () => {
  server = await startTestServer();
  api = enrollmentClient(server);
});
afterAll(() => server?.close());

const daysLater = (days: number) => new Date(server.clock.now().getTime() + days * DAY_MS);
const purgeAt = (days: number) => purgeExpiredRecords(server.deps.db, daysLater(days), RETENTION_DAYS);

async function enrollmentExists(offer: Offer): Promise<boolean> {
  const { rowCount } = await server.deps.db.query('SELECT 1 FROM exchanges WHERE status_id = $1', [offer.status_id]);
  return rowCount === 1;
}

async function retiredExchangeExists(exchangeId: string): Promise<boolean> {
  const { rowCount } = await server.deps.db.query('SELECT 1 FROM retired_exchanges WHERE exchange_id = $1', [exchangeId]);
  return rowCount === 1;
}

async function started(): Promise<{ token: string; offer: Offer }> {
  const token = await server.token({ sub: `user-${randomUUID()}` });
  const { body: offer } = await api.initiate(token);
  return { token, offer };
}

async function cancelled(): Promise<Offer> {
  const { token, offer } = await started();
  expect((await api.cancel(token, offer.exchange_id.exchange_id)).status).toBe(200);
  return offer;
}

describe('purgeExpiredRecords (RETENTION_DAYS=30)', () => {
  it('deletes SMS/email sends once they are older than every send cap counts (an hour)', async () => {
    const key = `u:purge-${randomUUID()}`;
    const sentAt = server.clock.now();
    await server.deps.db.query('INSERT INTO code_sends (key, sent_at) VALUES ($1, $2)', [key, sentAt]);
    const count = async () => (await server.deps.db.query('SELECT 1 FROM code_sends WHERE key = $1', [key])).rowCount;
    await purgeExpiredRecords(server.deps.db, new Date(sentAt.getTime() + 59 * 60_000), RETENTION_DAYS);
    expect(await count()).toBe(1);
    await purgeExpiredRecords(server.deps.db, new Date(sentAt.getTime() + 61 * 60_000), RETENTION_DAYS);
    expect(await count()).toBe(0);
  });

  it('deletes a cancelled enrollment once it ended more than 30 days ago, not before', async () => {
    const offer = await cancelled();
    await purgeAt(29);
    expect(await enrollmentExists(offer)).toBe(true);
    await purgeAt(31);
    expect(await enrollmentExists(offer)).toBe(false);
  });

  it('deletes an expired enrollment 30 days after it expired', async () => {
    const { offer } = await started();
    server.clock.advance(11 * 60 * 1000);
    try {
      expect((await api.status(offer.status_id)).body).toMatchObject({ status: 'EXPIRED' });
    } finally {
      server.clock.advance(-11 * 60 * 1000);
    }
    await purgeAt(29);
    expect(await enrollmentExists(offer)).toBe(true);
    await purgeAt(31);
    expect(await enrollmentExists(offer)).toBe(false);
  });

  it('deletes a failed enrollment', async () => {
    const { token, offer } = await started();
    for (let i = 0; i < 5; i++) await api.verify(token, offer.exchange_id.exchange_id, wrongCode(server, offer.totp_secret));
    expect((await api.status(offer.status_id)).body).toMatchObject({ status: 'FAILED' });
    await purgeAt(31);
    expect(await enrollmentExists(offer)).toBe(false);
  });

  it('never deletes a live enrollment, nor an enrolled one whose authenticator exists, however old', async () => {
    const { offer: live } = await started();
    const token = await server.token({ sub: `user-${randomUUID()}` });
    const { offer: enrolled } = await enrollAuthenticator(server, token);
    await purgeAt(3650);
    expect(await enrollmentExists(live)).toBe(true);
    expect(await enrollmentExists(enrolled)).toBe(true);
    expect((await api.devices(token)).body).toHaveLength(1);
  });

  it('deletes exchange ids retired by a rotation more than 30 days ago, keeping the enrollment that completed', async () => {
    const { token, offer } = await started();
    const rotated = (await api.rotate(token, offer.exchange_id.exchange_id)).body;
    expect((await api.verify(token, rotated.exchange_id.exchange_id, codeNow(server, rotated.totp_secret))).status).toBe(200);
    await purgeAt(29);
    expect(await retiredExchangeExists(offer.exchange_id.exchange_id)).toBe(true);
    await purgeAt(31);
    expect(await retiredExchangeExists(offer.exchange_id.exchange_id)).toBe(false);
    expect(await enrollmentExists(offer)).toBe(true);
  });

  it('deletes rate-limit counters whose window ended', async () => {
    const key = rateLimitKey('purge-test', randomUUID());
    const now = server.clock.now();
    await consume(server.deps.db, key, 10, 60, now);
    await purgeExpiredRecords(server.deps.db, now, RETENTION_DAYS);
    expect((await server.deps.db.query('SELECT 1 FROM rate_limit_windows WHERE key = $1', [key])).rowCount).toBe(1);
    await purgeExpiredRecords(server.deps.db, new Date(now.getTime() + 60_000), RETENTION_DAYS);
    expect((await server.deps.db.query('SELECT 1 FROM rate_limit_windows WHERE key = $1', [key])).rowCount).toBe(0);
  });

  it('works through a backlog larger than one batch', async () => {
    const offers = await Promise.all(Array.from({ length: 7 }, () => cancelled()));
    const counts = await purgeExpiredRecords(server.deps.db, daysLater(31), RETENTION_DAYS, 3);
    expect(counts.exchanges).toBeGreaterThanOrEqual(7);
    for (const offer of offers) expect(await enrollmentExists(offer)).toBe(false);
  });

  it('honours another retention period', async () => {
    const offer = await cancelled();
    await purgeExpiredRecords(server.deps.db, daysLater(2), 1);
    expect(await enrollmentExists(offer)).toBe(false);
  });
});

describe('the retention sweeper', () => {
  it('purges periodically on its own, and logs what it deleted', async () => {
    const offer = await cancelled();
    const sweeper = startRetentionSweeper({ db: server.deps.db, log: server.deps.log, clock: () => daysLater(31) }, RETENTION_DAYS, 20);
    try {
      await eventually(async () => !(await enrollmentExists(offer)), 5_000, 'swept');
      await eventually(() => server.logs.some((line) => line.includes('expired records purged')), 5_000, 'logged');
    } finally {
      await sweeper.close();
    }
  });
});

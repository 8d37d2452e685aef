import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/env.ts';
import type { Database } from '../../../shared/db/database.ts';
import { MessageDelivery } from '../../../shared/delivery/message-delivery.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { Outbox } from '../../../shared/outbox/outbox.ts';
import { FAST_DELIVERY_ENV, queueCode, settledDelivery, TEST_WEBHOOK_SECRET } from '../../helpers/delivery.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { childEnv, freePort, startProcess, TSX } from '../../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { openMigratedDatabase, startTestServer, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestServer } from '../../helpers/test-server.ts';

let scratch: ScratchDatabase;
let db: Database;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = await openMigratedDatabase(scratch.url);
});
afterAll(async () => {
  await db.close();
  await scratch.drop();
});

function webhookEnv(receiver: HttpReceiver): Record<string, string> {
  return { ...FAST_DELIVERY_ENV, SMS_PROVIDER: 'webhook', DELIVERY_WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };
}

const headersOf = (headers: Record<string, string | string[] | undefined>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

describe('two service instances on one database', () => {
  it('deliver every message of one outbox exactly once between them', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 200 }));
    const instances: TestServer[] = [];
    try {
      instances.push(await startTestServer({ databaseUrl: scratch.url, env: webhookEnv(receiver) }));
      instances.push(await startTestServer({ databaseUrl: scratch.url, env: webhookEnv(receiver) }));
      const ids: string[] = [];
      for (let i = 0; i < 120; i++) ids.push((await queueCode(instances[i % 2]!, { code: String(100000 + i), to: `+49151${String(10000000 + i)}` })).messageId);

      await receiver.waitForRequests(120, 60_000);
      for (const id of ids) expect((await settledDelivery(instances[0]!, id)).state).toBe('sent');
      const perId = new Map<string, number>();
      for (const request of receiver.requests) {
        const id = String(request.headers['webhook-id']);
        perId.set(id, (perId.get(id) ?? 0) + 1);
        new Webhook(TEST_WEBHOOK_SECRET).verify(request.rawBody, headersOf(request.headers));
      }
      expect([...perId.keys()].sort()).toEqual([...ids].sort());
      expect([...perId.values()].every((n) => n === 1)).toBe(true);
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox_attempts WHERE outbox_id = ANY($1::uuid[])`, [ids]);
      expect(Number(rows[0]!.n)).toBe(120);
    } finally {
      for (const instance of instances) await instance.close();
      await receiver.close();
    }
  }, 120_000);

  it('a worker killed while holding a claim loses nothing: another instance delivers after the lease', async () => {
    let releaseHeld: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const receiver = await startHttpReceiver((_, index) => {
      if (index === 0) {
        releaseHeld();
        return { status: 200, hold: true };
      }
      return { status: 200, body: { id: 'gateway-accepted' } };
    });
    const port = await freePort();
    const child = startProcess(
      TSX,
      ['services/main.ts'],
      childEnv({
        ...webhookEnv(receiver),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: scratch.url,
        JWT_SECRET: TEST_JWT_SECRET,
        SECRET_KEY: TEST_SECRET_KEY,
        MIGRATE_ON_START: 'false',
      }),
    );
    let survivor: TestServer | undefined;
    try {
      await child.waitForOutput(/listening on/, 60_000);

      // Queued from here, by a writer with no worker of its own: only the child can take it.
      const config = loadConfig({ SECRET_KEY: TEST_SECRET_KEY });
      const writer = new Outbox({ db, keyring: config.secretKeyring, clock: () => new Date(), log: createLogger('silent'), pollIntervalMs: 60_000, leaseMs: 60_000, concurrency: 1, retentionDays: 30 });
      const delivery = new MessageDelivery(writer, { sms: { name: 'webhook', send: async () => ({ outcome: 'failed', error: 'not this one' }) } }, { publicBaseUrl: undefined, retryScale: 1, clock: () => new Date() });
      const { messageId } = await db.transaction((tx) =>
        delivery.queueMessage(tx, { channel: 'sms', to: '+4915123456789', tenant: { id: 'acme', name: 'Acme' }, code: '246810', lifetimeSeconds: 600, purpose: 'sign-in' }),
      );

      await held; // the child claimed the row and is sending it…
      await child.kill(); // …and dies before it can record anything.
      expect((await db.query('SELECT status FROM outbox WHERE id = $1', [messageId])).rows[0]).toEqual({ status: 'in_flight' });

      survivor = await startTestServer({ databaseUrl: scratch.url, env: webhookEnv(receiver) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.requests).toHaveLength(1); // the lease still holds
      survivor.clock.advance(61_000);

      const status = await settledDelivery(survivor, messageId);
      expect(status).toMatchObject({ state: 'sent', attempts: 2, providerMessageId: 'gateway-accepted' });
      const attempts = await survivor.deps.outbox.attempts(messageId);
      expect(attempts.map((a) => [a.attempt, a.worker, a.outcome, a.recorded])).toEqual([[2, survivor.deps.outbox.workerId, 'delivered', true]]);
      // The one edge of at-least-once: the dead worker had sent; the id lets the receiver drop the repeat.
      expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
    } finally {
      await child.kill();
      await survivor?.close();
      await receiver.close();
    }
  }, 120_000);
});

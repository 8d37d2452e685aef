import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { loadConfig } from '../../../shared/config/env.ts';
import type { AttemptResult, OutboxDelivery, QueueOptions } from '../../../shared/outbox/outbox-entry.ts';
import { Outbox } from '../../../shared/outbox/outbox.ts';
import { eventually } from '../../helpers/http-receiver.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { TestClock } from '../../helpers/test-clock.ts';
import { openMigratedDatabase, TEST_SECRET_KEY } from '../../helpers/test-server.ts';

const keyring = loadConfig({ SECRET_KEY: TEST_SECRET_KEY }).secretKeyring;
const SCHEDULE = [1_000, 5_000];

let scratch: ScratchDatabase;
let db: Database;
let clock: TestClock;
let queue: string;
let queueCounter = 0;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = await openMigratedDatabase(scratch.url);
});
afterAll(async () => {
  await db.close();
  await scratch.drop();
});
beforeEach(() => {
  clock = new TestClock();
  // A queue of its own per test, so rows of one test never reach another's handler.
  queue = `test-${++queueCounter}`;
});

function outbox(handle: QueueOptions['handle'], options: Partial<QueueOptions> & { workerId?: string; pollIntervalMs?: number } = {}): Outbox {
  const box = new Outbox({
    db,
    keyring,
    clock: () => clock.now(),
    log: createLogger(process.env.OUTBOX_TEST_LOG ?? 'silent'),
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    leaseMs: 60_000,
    concurrency: 8,
    retentionDays: 30,
    workerId: options.workerId,
  });
  box.register(queue, { handle, retrySchedule: options.retrySchedule ?? SCHEDULE, retryScale: options.retryScale, onFinished: options.onFinished });
  return box;
}

/** A handler that records what it was given and answers from a script (default: delivered). */
function recorder(script: (delivery: OutboxDelivery) => AttemptResult = () => ({ outcome: 'delivered' })) {
  const calls: OutboxDelivery[] = [];
  const handle = async (delivery: OutboxDelivery) => {
    calls.push(delivery);
    return script(delivery);
  };
  return { calls, handle };
}

async function rowOf(id: string): Promise<Record<string, unknown>> {
  return (await db.query('SELECT * FROM outbox WHERE id = $1', [id])).rows[0]!;
}

describe('writing rows', () => {
  it('a row enqueued in a transaction that rolls back never exists and is never delivered', async () => {
    const { calls, handle } = recorder();
    const box = outbox(handle);
    let id = '';
    await expect(
      db.transaction(async (tx) => {
        id = (await box.enqueue(tx, { queue, payload: { n: 1 } })).id;
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await box.drain();
    expect(await box.read(id)).toBeUndefined();
    expect(calls).toHaveLength(0);
  });

  it('a committed row is delivered once, with its payload, and the attempt is recorded', async () => {
    const { calls, handle } = recorder(() => ({ outcome: 'delivered', httpStatus: 202, providerMessageId: 'prov-1' }));
    const box = outbox(handle);
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: { hello: 'world' }, tenantId: 'acme', metadata: { kind: 'test' } }));
    await box.drain();
    await box.drain();
    expect(calls.map((c) => [c.id, c.attempt, c.payload])).toEqual([[id, 1, { hello: 'world' }]]);
    expect(await box.read(id)).toMatchObject({ status: 'delivered', attempts: 1, providerMessageId: 'prov-1', payload: { hello: 'world' }, metadata: { kind: 'test' } });
    expect(await box.attempts(id)).toMatchObject([{ attempt: 1, outcome: 'delivered', httpStatus: 202, providerMessageId: 'prov-1', worker: box.workerId, recorded: true }]);
  });

  it("another tenant's row reads as absent", async () => {
    const box = outbox(recorder().handle);
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {}, tenantId: 'acme' }));
    expect(await box.read(id, 'acme')).toBeDefined();
    expect(await box.read(id, 'other')).toBeUndefined();
  });

  it('a running worker is woken by the NOTIFY of the commit, without waiting for its poll', async () => {
    const { calls, handle } = recorder();
    const box = outbox(handle, { pollIntervalMs: 60_000 });
    await box.start();
    try {
      const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: { n: 1 } }));
      await eventually(async () => (calls.length > 0 ? true : undefined), 'the handler to run');
      expect(calls[0]!.id).toBe(id);
    } finally {
      await box.stop();
    }
  });
});

describe('secret payloads', () => {
  it('are sealed at rest and erased once delivered, keeping the metadata', async () => {
    const { calls, handle } = recorder();
    const box = outbox(handle);
    const { id } = await db.transaction((tx) =>
      box.enqueue(tx, { queue, payload: { code: '739215', to: '+4915123456789' }, secret: true, metadata: { to: '+49•••••789' } }),
    );
    const stored = JSON.stringify(await rowOf(id));
    expect(stored).not.toContain('739215');
    expect((await rowOf(id)).sealed_payload).toBeInstanceOf(Buffer);
    expect((await box.read(id))!.payload).toBeNull();

    await box.drain();
    expect(calls[0]!.payload).toEqual({ code: '739215', to: '+4915123456789' });
    const after = await rowOf(id);
    expect(after.sealed_payload).toBeNull();
    expect(after.sealed_key_id).toBeNull();
    expect(after.metadata).toEqual({ to: '+49•••••789' });
  });

  it('are erased when given up too', async () => {
    const box = outbox(recorder(() => ({ outcome: 'failed', error: 'refused' })).handle);
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: { code: '1' }, secret: true }));
    await box.drain();
    expect(await rowOf(id)).toMatchObject({ status: 'failed', sealed_payload: null, last_error: 'refused' });
  });

  it('cannot be moved to another row (the ciphertext is bound to its row id)', async () => {
    const { calls, handle } = recorder();
    const box = outbox(handle);
    const first = await db.transaction((tx) => box.enqueue(tx, { queue, payload: { code: '1' }, secret: true }));
    const second = await db.transaction((tx) => box.enqueue(tx, { queue, payload: { code: '2' }, secret: true }));
    await db.query('UPDATE outbox SET sealed_payload = (SELECT sealed_payload FROM outbox WHERE id = $1) WHERE id = $2', [first.id, second.id]);
    await box.drain();
    expect(calls.map((c) => c.id)).toEqual([first.id]);
    expect(await box.read(second.id)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('cannot be opened') });
  });
});

describe('retries', () => {
  it('follow the queue schedule (with jitter), record each attempt and give up after it', async () => {
    const { calls, handle } = recorder(() => ({ outcome: 'retry', error: 'receiver said 503', httpStatus: 503 }));
    const box = outbox(handle);
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {} }));

    await box.drain();
    let row = (await box.read(id))!;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'receiver said 503', lastHttpStatus: 503 });
    const firstDelay = row.nextAttemptAt.getTime() - row.updatedAt.getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(800);
    expect(firstDelay).toBeLessThanOrEqual(1_200);

    await box.drain();
    expect(calls).toHaveLength(1); // not due yet

    clock.advance(1_300);
    await box.drain();
    row = (await box.read(id))!;
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    const secondDelay = row.nextAttemptAt.getTime() - row.updatedAt.getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(4_000);
    expect(secondDelay).toBeLessThanOrEqual(6_000);

    clock.advance(6_100);
    await box.drain();
    expect(calls).toHaveLength(3);
    expect(await box.read(id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'gave up after 3 attempts: receiver said 503' });
    expect((await box.attempts(id)).map((a) => a.outcome)).toEqual(['retry', 'retry', 'failed']);
    expect(calls.every((c) => c.id === id)).toBe(true);
  });

  it('shrink with the queue scale', async () => {
    const box = outbox(recorder(() => ({ outcome: 'retry', error: 'down' })).handle, { retrySchedule: [3_600_000], retryScale: 0.001 });
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {} }));
    await box.drain();
    const row = (await box.read(id))!;
    expect(row.nextAttemptAt.getTime() - row.updatedAt.getTime()).toBeLessThanOrEqual(3_600 * 1.2);
  });

  it('stop at once when the handler reports a permanent failure', async () => {
    const { calls, handle } = recorder(() => ({ outcome: 'failed', error: '400 invalid number', httpStatus: 400 }));
    const box = outbox(handle);
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {} }));
    await box.drain();
    expect(calls).toHaveLength(1);
    expect(await box.read(id)).toMatchObject({ status: 'failed', lastHttpStatus: 400 });
  });

  it('treat a handler that throws as a failed attempt to retry, never as a crash', async () => {
    const box = outbox(async () => {
      throw new Error('provider SDK blew up');
    });
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {} }));
    await box.drain();
    expect(await box.read(id)).toMatchObject({ status: 'pending', lastError: 'provider SDK blew up' });
  });

  it('end at the deadline: a row past it is given up without being sent', async () => {
    const { calls, handle } = recorder(() => ({ outcome: 'retry', error: 'busy' }));
    const box = outbox(handle, { retrySchedule: [60_000] });
    const { id } = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {}, deadline: new Date(clock.now().getTime() + 30_000) }));
    await box.drain();
    expect(await box.read(id)).toMatchObject({ status: 'failed', lastError: 'gave up at the deadline: busy' });

    const late = await db.transaction((tx) => box.enqueue(tx, { queue, payload: {}, deadline: new Date(clock.now().getTime() + 1_000) }));
    clock.advance(2_000);
    await box.drain();
    expect(calls).toHaveLength(1);
    expect(await box.read(late.id)).toMatchObject({ status: 'failed', lastError: 'deadline passed before delivery' });
  });

  it('run onFinished in the transaction that finishes the row', async () => {
    const finished: string[] = [];
    const box = outbox(recorder(() => ({ outcome: 'failed', error: '410 gone', httpStatus: 410 })).handle, {
      onFinished: async (tx, row) => {
        const { rows } = await tx.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [row.id]);
        finished.push(`${row.status}:${rows[0]!.status}:${row.result.httpStatus}`);
      },
    });
    await db.transaction((tx) => box.enqueue(tx, { queue, payload: {} }));
    await box.drain();
    expect(finished).toEqual(['failed:failed:410']);
  });
});

describe('ordering per key', () => {
  it('holds under retries: later rows of a key wait for the earlier one; other keys go on', async () => {
    let failFirst = true;
    const { calls, handle } = recorder((d) => {
      if ((d.payload as { n: number }).n === 1 && failFirst) {
        failFirst = false;
        return { outcome: 'retry', error: 'try later' };
      }
      return { outcome: 'delivered' };
    });
    const box = outbox(handle);
    for (const n of [1, 2, 3]) await db.transaction((tx) => box.enqueue(tx, { queue, payload: { n }, orderingKey: 'endpoint-a' }));
    await db.transaction((tx) => box.enqueue(tx, { queue, payload: { n: 100 }, orderingKey: 'endpoint-b' }));
    await db.transaction((tx) => box.enqueue(tx, { queue, payload: { n: 200 } }));

    await box.drain();
    const seen = () => calls.map((c) => (c.payload as { n: number }).n);
    expect(seen().sort((a, b) => a - b)).toEqual([1, 100, 200]);

    clock.advance(2_000);
    await box.drain();
    expect(seen().slice(3)).toEqual([1, 2, 3]);
  });

  it('a given-up row stops blocking its key', async () => {
    const { calls, handle } = recorder((d) => ((d.payload as { n: number }).n === 1 ? { outcome: 'failed', error: 'gone' } : { outcome: 'delivered' }));
    const box = outbox(handle);
    for (const n of [1, 2]) await db.transaction((tx) => box.enqueue(tx, { queue, payload: { n }, orderingKey: 'k' }));
    await box.drain();
    expect(calls.map((c) => (c.payload as { n: number }).n)).toEqual([1, 2]);
  });
});

describe('leases', () => {
  it("a row whose worker hangs is taken over after the lease, and the late worker cannot record over it", async () => {
    let release: (result: AttemptResult) => void = () => undefined;
    const stuck = outbox(() => new Promise<AttemptResult>((resolve) => (release = resolve)), { workerId: 'stuck-worker' });
    const { calls, handle } = recorder();
    const rescuer = new Outbox({
      db,
      keyring,
      clock: () => clock.now(),
      log: createLogger(process.env.OUTBOX_TEST_LOG ?? 'silent'),
      pollIntervalMs: 60_000,
      leaseMs: 60_000,
      concurrency: 8,
      retentionDays: 30,
      workerId: 'rescuer',
    });
    rescuer.register(queue, { handle, retrySchedule: SCHEDULE });

    const { id } = await db.transaction((tx) => stuck.enqueue(tx, { queue, payload: { n: 1 } }));
    const stuckDrain = stuck.drain();
    await eventually(async () => ((await rowOf(id)).status === 'in_flight' ? true : undefined), 'the claim');

    await rescuer.drain();
    expect(calls).toHaveLength(0); // the lease still holds

    clock.advance(61_000);
    await rescuer.drain();
    expect(calls.map((c) => [c.id, c.attempt])).toEqual([[id, 2]]);

    release({ outcome: 'delivered' });
    await stuckDrain;
    expect(await rescuer.read(id)).toMatchObject({ status: 'delivered', attempts: 2 });
    const attempts = await rescuer.attempts(id);
    expect(attempts.map((a) => [a.worker, a.attempt, a.recorded])).toEqual([
      ['rescuer', 2, true],
      ['stuck-worker', 1, false],
    ]);
  });
});

describe('several workers', () => {
  it('deliver every row exactly once between them', async () => {
    const seen = new Map<string, number>();
    const handle = async (d: OutboxDelivery): Promise<AttemptResult> => {
      seen.set(d.id, (seen.get(d.id) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      return { outcome: 'delivered' };
    };
    const boxes = [outbox(handle, { workerId: 'w1' }), outbox(handle, { workerId: 'w2' }), outbox(handle, { workerId: 'w3' })];
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push((await db.transaction((tx) => boxes[0]!.enqueue(tx, { queue, payload: { i } }))).id);
    await Promise.all(boxes.map((b) => b.drain()));
    expect(seen.size).toBe(150);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await db.query<{ workers: string[] }>(
      `SELECT array_agg(DISTINCT worker) AS workers FROM outbox_attempts WHERE outbox_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows[0]!.workers.length).toBeGreaterThan(1);
  });
});

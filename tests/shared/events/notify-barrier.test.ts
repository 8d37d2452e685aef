import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../../shared/db/database.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { BarrierError, NotifyBarrier } from '../../../shared/events/notify-barrier.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

let scratch: ScratchDatabase;
let db: Database;
let writer: pg.Client;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  writer = new pg.Client({ connectionString: scratch.url });
  await writer.connect();
});
afterAll(async () => {
  await writer?.end();
  await db?.close();
  await scratch?.drop();
});

async function listeningBarrier(timeoutMs?: number): Promise<{ barrier: NotifyBarrier; close: () => Promise<void> }> {
  const barrier = new NotifyBarrier(db, timeoutMs);
  const subscription = await db.listen(barrier.channel, (payload) => barrier.arrived(payload));
  return { barrier, close: () => subscription.close() };
}

describe('NotifyBarrier', () => {
  it('resolves only after every notification committed before it was delivered', async () => {
    const heard: string[] = [];
    const events = await db.listen('barrier_test_events', (payload) => heard.push(payload));
    const { barrier, close } = await listeningBarrier();
    for (let i = 0; i < 50; i++) {
      await writer.query("SELECT pg_notify('barrier_test_events', $1)", [String(i)]);
      await barrier.sync();
      expect(heard).toContain(String(i));
    }
    await close();
    await events.close();
  });

  it('resolves only after every notification committed before it was delivered, sent on the listening connection itself', async () => {
    const heard: string[] = [];
    const events = await db.listen('barrier_test_listener', (payload) => heard.push(payload));
    const barrier = new NotifyBarrier({ query: (text, params) => db.queryOnListener(text, params) });
    const subscription = await db.listen(barrier.channel, (payload) => barrier.arrived(payload));
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await db.query("SELECT pg_notify('barrier_test_listener', $1)", [String(i)]);
        await barrier.sync();
        expect(heard).toContain(String(i));
      }),
    );
    await subscription.close();
    await events.close();
  });

  it('sends one NOTIFY for all who asked in one event-loop turn, and one for those who asked while it was out', async () => {
    let sent = 0;
    const counting: Queryable = {
      query: (text, params) => {
        sent++;
        return db.query(text, params);
      },
    };
    const barrier = new NotifyBarrier(counting);
    const subscription = await db.listen(barrier.channel, (payload) => barrier.arrived(payload));
    const first = Promise.all(Array.from({ length: 100 }, () => barrier.sync()));
    await new Promise((resolve) => setImmediate(resolve));
    const second = Promise.all(Array.from({ length: 100 }, () => barrier.sync()));
    await Promise.all([first, second]);
    await subscription.close();
    expect(sent).toBe(2);
  });

  it('settles each caller only with a barrier sent after it asked, with several out at once', async () => {
    const heard: string[] = [];
    const events = await db.listen('barrier_test_pipelined', (payload) => heard.push(payload));
    const { barrier, close } = await listeningBarrier();
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await writer.query("SELECT pg_notify('barrier_test_pipelined', $1)", [String(i)]);
        await barrier.sync();
        expect(heard).toContain(String(i));
      }),
    );
    await close();
    await events.close();
  });

  it('fails with BarrierError when its echo never comes back', async () => {
    const barrier = new NotifyBarrier(db, 100);
    await expect(barrier.sync()).rejects.toBeInstanceOf(BarrierError);
  });

  it('fails with BarrierError when the database cannot be reached', async () => {
    const closed = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
    await closed.close();
    await expect(new NotifyBarrier(closed).sync()).rejects.toBeInstanceOf(BarrierError);
  });
});

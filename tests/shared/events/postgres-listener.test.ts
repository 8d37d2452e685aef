import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresListener } from '../../../shared/db/postgres-listener.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { eventually, killListeners, withListenersDown } from '../../helpers/listener-outage.ts';

let scratch: ScratchDatabase;
let writer: pg.Client;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  writer = new pg.Client({ connectionString: scratch.url });
  await writer.connect();
});
afterAll(async () => {
  await writer?.end();
  await scratch?.drop();
});

const notify = (channel: string, payload: string) => writer.query('SELECT pg_notify($1, $2)', [channel, payload]);

async function started(channel: string): Promise<{ listener: PostgresListener; heard: string[]; reconnects: () => number }> {
  const listener = new PostgresListener(scratch.url, createLogger('silent'));
  const heard: string[] = [];
  let reconnects = 0;
  await listener.subscribe(channel, (payload) => heard.push(payload), () => reconnects++);
  return { listener, heard, reconnects: () => reconnects };
}

describe('PostgresListener', () => {
  it('delivers notifications of its channels', async () => {
    const { listener, heard } = await started('listener_a');
    await notify('listener_a', 'one');
    await eventually(() => heard.includes('one'));
    await listener.close();
  });

  it('reconnects after its backend is terminated, re-LISTENs and tells subscribers once', async () => {
    const { listener, heard, reconnects } = await started('listener_b');
    expect(await killListeners(scratch.name)).toBe(1);
    await eventually(() => listener.state === 'connected' && reconnects() === 1, 5_000, 'reconnected');
    await notify('listener_b', 'after');
    await eventually(() => heard.includes('after'));
    expect(reconnects()).toBe(1);
    await listener.close();
  });

  it('reports reconnecting and keeps retrying while the database refuses connections', async () => {
    const { listener, reconnects } = await started('listener_c');
    await withListenersDown(scratch.name, async () => {
      await eventually(() => listener.state === 'reconnecting', 5_000, 'noticed');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(listener.state).toBe('reconnecting');
    });
    await eventually(() => listener.state === 'connected', 10_000, 'recovered');
    expect(reconnects()).toBe(1);
    await listener.close();
  });

  it('stays closed once closed', async () => {
    const { listener, reconnects } = await started('listener_d');
    await listener.close();
    expect(listener.state).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reconnects()).toBe(0);
  });
});

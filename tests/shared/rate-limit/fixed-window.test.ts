import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { consume, deleteEndedWindows, rateLimitKey } from '../../../shared/rate-limit/fixed-window.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { openMigratedDatabase } from '../../helpers/test-server.ts';

let scratch: ScratchDatabase;
let db: Database;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = await openMigratedDatabase(scratch.url);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

// 10 s into a minute window.
const T0 = new Date('2030-01-01T10:00:10.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
let keys = 0;
const freshKey = () => rateLimitKey('test', `key-${++keys}`);

describe('consume', () => {
  it('lets exactly `limit` hits of a window pass, then refuses until it ends', async () => {
    const key = freshKey();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await consume(db, key, 3, 60, later(i * 1000)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]!.retryAfterSeconds).toBe(47);
  });

  it('lets exactly `limit` of a parallel burst pass', async () => {
    const key = freshKey();
    const decisions = await Promise.all(Array.from({ length: 40 }, () => consume(db, key, 7, 60, T0)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
  });

  it('starts counting again in the next window', async () => {
    const key = freshKey();
    await consume(db, key, 1, 60, T0);
    expect((await consume(db, key, 1, 60, later(49_999))).allowed).toBe(false);
    expect((await consume(db, key, 1, 60, later(50_000))).allowed).toBe(true);
  });

  it('counts each key on its own, and part lists that differ never share a key', async () => {
    expect(rateLimitKey('s', 'a:b', 'c')).not.toBe(rateLimitKey('s', 'a', 'b:c'));
    const [a, b] = [rateLimitKey('s', 'tenant-1', 'alice'), rateLimitKey('s', 'tenant-2', 'alice')];
    expect((await consume(db, a, 1, 60, T0)).allowed).toBe(true);
    expect((await consume(db, b, 1, 60, T0)).allowed).toBe(true);
    expect((await consume(db, a, 1, 60, T0)).allowed).toBe(false);
  });

  it('refuses everything with a limit of 0', async () => {
    expect((await consume(db, freshKey(), 0, 60, T0)).allowed).toBe(false);
  });
});

describe('deleteEndedWindows', () => {
  it('deletes the counters of windows that ended, and only those', async () => {
    const [old, current] = [freshKey(), freshKey()];
    await consume(db, old, 5, 60, later(-120_000));
    await consume(db, current, 5, 60, T0);
    while ((await deleteEndedWindows(db, T0, 1)) > 0);
    const { rows } = await db.query<{ key: string }>('SELECT key FROM rate_limit_windows WHERE key = ANY($1)', [[old, current]]);
    expect(rows.map((r) => r.key)).toEqual([current]);
  });
});

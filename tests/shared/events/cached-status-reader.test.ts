import { describe, expect, it } from 'vitest';
import { CachedStatusReader, type Barrier, type EventStream } from '../../../shared/events/cached-status-reader.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { statusNotFound, type ExchangeStatus, type VersionedStatus } from '../../../shared/status/status-document.ts';

// The read path of the status service on its own: the loader stands in for the database read
// (readStatus), the barrier and the stream for the LISTEN connection the StatusHub owns.

const ID = '00000000-0000-4000-8000-000000000001';
const NOW = Date.UTC(2030, 0, 1);

function status(version: number, state: ExchangeStatus = 'INITIATED', expiresAt = NOW + 600_000): VersionedStatus {
  const at = new Date(NOW).toISOString();
  return { version, document: { status: state, id: ID, sub: 'alice', type: 'TOTP', expires_at: new Date(expiresAt).toISOString(), updated_at: at } };
}

/** A reader over an in-memory "database" of one status, counting the loads it makes. */
function setup(options: { cacheEntries?: number } = {}) {
  const db = { current: status(1) as VersionedStatus | undefined, loads: 0 };
  const stream = { live: true, generation: 0, connected: true };
  const barrier = { fail: false, syncs: 0 };
  const streamView: EventStream = {
    live: () => stream.live,
    generation: () => stream.generation,
    mayStore: (generation) => generation === stream.generation && stream.connected,
  };
  const barrierView: Barrier = {
    sync: async () => {
      barrier.syncs++;
      if (barrier.fail) throw new Error('no echo');
    },
  };
  let release: (() => void) | undefined;
  const reader = new CachedStatusReader({
    load: async () => {
      db.loads++;
      if (release) await new Promise<void>((resolve) => (release = resolve));
      if (!db.current) throw statusNotFound();
      return db.current;
    },
    barrier: barrierView,
    stream: streamView,
    log: createLogger('silent'),
    clock: () => new Date(NOW),
    cacheEntries: options.cacheEntries ?? 100,
    unknownEntries: 100,
    unknownTtlMs: 5_000,
  });
  /** Makes the next loads wait until the returned function is called. */
  const holdLoads = () => {
    release = () => undefined;
    return () => {
      const go = release!;
      release = undefined;
      go();
    };
  };
  return { reader, db, stream, barrier, holdLoads };
}

describe('CachedStatusReader', () => {
  it('loads a status once, then answers from its cache after a barrier', async () => {
    const { reader, db, barrier } = setup();
    expect(await reader.read(ID)).toEqual(status(1));
    expect(await reader.read(ID)).toEqual(status(1));
    expect(await reader.read(ID)).toEqual(status(1));
    expect(db.loads).toBe(1);
    expect(barrier.syncs).toBe(2);
  });

  it('keeps the cache exact with the events it is handed', async () => {
    const { reader, db } = setup();
    await reader.read(ID);
    reader.apply(status(2, 'AUTHENTICATED'));
    expect((await reader.read(ID)).document.status).toBe('AUTHENTICATED');
    expect(db.loads).toBe(1);
  });

  it('ignores an event older than what it holds', async () => {
    const { reader } = setup();
    await reader.read(ID);
    reader.apply(status(3, 'CANCELLED'));
    reader.apply(status(2, 'SCANNED'));
    expect(await reader.read(ID)).toEqual(status(3, 'CANCELLED'));
  });

  it('reads the database, never its cache, while the stream is not live', async () => {
    const { reader, db, stream } = setup();
    await reader.read(ID);
    stream.live = false;
    db.current = status(2, 'SCANNED');
    expect((await reader.read(ID)).document.status).toBe('SCANNED');
    expect(db.loads).toBe(2);
  });

  it('reads the database when a barrier fails, and keeps doing so until a probe barrier succeeds', async () => {
    const { reader, db, barrier } = setup();
    await reader.read(ID);
    barrier.fail = true;
    db.current = status(2, 'SCANNED');
    expect((await reader.read(ID)).document.status).toBe('SCANNED');
    expect((await reader.read(ID)).document.status).toBe('SCANNED');
    expect(db.loads).toBe(3);
    barrier.fail = false;
    await reader.read(ID); // still bypassing; its probe barrier now succeeds
    await new Promise((resolve) => setImmediate(resolve));
    const loads = db.loads;
    await reader.read(ID);
    expect(db.loads).toBe(loads);
  });

  it('does not keep a read that started before the stream was interrupted', async () => {
    const { reader, db, stream, holdLoads } = setup();
    const go = holdLoads();
    const pending = reader.read(ID);
    stream.generation++;
    go();
    await pending;
    await reader.read(ID);
    expect(db.loads).toBe(2);
  });

  it('folds an event heard while loading into what it keeps', async () => {
    const { reader, db, holdLoads } = setup();
    const go = holdLoads();
    const pending = reader.read(ID);
    reader.apply(status(2, 'AUTHENTICATED'));
    go();
    expect((await pending).document.status).toBe('AUTHENTICATED');
    expect((await reader.read(ID)).version).toBe(2);
    expect(db.loads).toBe(1);
  });

  it('loads a live status whose lifetime ended instead of serving it, so the loader can expire it', async () => {
    const { reader, db } = setup();
    db.current = status(1, 'INITIATED', NOW);
    await reader.read(ID);
    db.current = status(2, 'EXPIRED', NOW);
    expect((await reader.read(ID)).document.status).toBe('EXPIRED');
    expect(db.loads).toBe(2);
  });

  it('loads when the caller already knows a newer version than it holds', async () => {
    const { reader, db } = setup();
    await reader.read(ID);
    db.current = status(2, 'SCANNED');
    expect((await reader.read(ID, 2)).version).toBe(2);
    expect(db.loads).toBe(2);
  });

  it('refuses an id found unknown from its negative cache, until an event says it exists', async () => {
    const { reader, db } = setup();
    db.current = undefined;
    await expect(reader.read(ID)).rejects.toMatchObject({ name: 'ENROLLMENT_NOT_FOUND' });
    await expect(reader.read(ID)).rejects.toMatchObject({ name: 'ENROLLMENT_NOT_FOUND' });
    expect(db.loads).toBe(1);
    db.current = status(1);
    reader.apply(status(1));
    expect((await reader.read(ID)).version).toBe(1);
  });

  it('forgets everything when cleared (the stream was interrupted)', async () => {
    const { reader, db } = setup();
    await reader.read(ID);
    reader.clear();
    await reader.read(ID);
    expect(db.loads).toBe(2);
  });

  it('reads the database every time with the cache turned off', async () => {
    const { reader, db } = setup({ cacheEntries: 0 });
    await reader.read(ID);
    await reader.read(ID);
    expect(db.loads).toBe(2);
  });
});

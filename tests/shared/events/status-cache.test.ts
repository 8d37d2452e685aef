import { describe, expect, it } from 'vitest';
import type { StatusDocument, VersionedStatus } from '../../../shared/status/status-document.ts';
import { StatusCache } from '../../../shared/events/status-cache.ts';

const ID = '00000000-0000-4000-8000-000000000001';

function status(version: number, state: StatusDocument['status'] = 'INITIATED', id = ID): VersionedStatus {
  const at = new Date(Date.UTC(2030, 0, 1, 0, 0, version)).toISOString();
  return { version, document: { status: state, id, sub: 'alice', type: 'TOTP', expires_at: at, updated_at: at } };
}

/** A database read the test finishes by hand, to interleave events with it. */
function pendingRead(): { load: () => Promise<VersionedStatus>; finish: (s: VersionedStatus) => void; calls: () => number } {
  let calls = 0;
  let finish: (s: VersionedStatus) => void = () => undefined;
  const promise = new Promise<VersionedStatus>((resolve) => (finish = resolve));
  return {
    load: () => {
      calls++;
      return promise;
    },
    finish: (s) => finish(s),
    calls: () => calls,
  };
}

describe('StatusCache', () => {
  it('stores what a read returned', async () => {
    const cache = new StatusCache(10);
    await cache.fill(ID, async () => status(1), () => true);
    expect(cache.get(ID)).toEqual(status(1));
  });

  it('replaces an entry with a newer event and ignores an older one', async () => {
    const cache = new StatusCache(10);
    await cache.fill(ID, async () => status(2), () => true);
    cache.apply(status(1));
    expect(cache.get(ID)?.version).toBe(2);
    cache.apply(status(3, 'SCANNED'));
    expect(cache.get(ID)?.document.status).toBe('SCANNED');
  });

  it('ignores events for ids it neither holds nor is reading', () => {
    const cache = new StatusCache(10);
    cache.apply(status(1));
    expect(cache.holds(ID)).toBe(false);
  });

  it('keeps the newer status when an event arrives while the read of an older one is in flight', async () => {
    const cache = new StatusCache(10);
    const read = pendingRead();
    const filled = cache.fill(ID, read.load, () => true);
    cache.apply(status(2, 'SCANNED'));
    read.finish(status(1));
    expect((await filled).version).toBe(2);
    expect(cache.get(ID)?.version).toBe(2);
  });

  it('lets concurrent readers of one id share a single database read', async () => {
    const cache = new StatusCache(10);
    const read = pendingRead();
    const both = Promise.all([cache.fill(ID, read.load, () => true), cache.fill(ID, read.load, () => true)]);
    read.finish(status(1));
    await both;
    expect(read.calls()).toBe(1);
  });

  it('returns but does not store a read its owner no longer trusts', async () => {
    const cache = new StatusCache(10);
    expect((await cache.fill(ID, async () => status(1), () => false)).version).toBe(1);
    expect(cache.holds(ID)).toBe(false);
  });

  it('does not store a read that was in flight when it was cleared', async () => {
    const cache = new StatusCache(10);
    const read = pendingRead();
    const filled = cache.fill(ID, read.load, () => true);
    cache.clear();
    read.finish(status(1));
    await filled;
    expect(cache.holds(ID)).toBe(false);
  });

  it('evicts the least recently used entry when full', async () => {
    const cache = new StatusCache(2);
    const ids = ['a', 'b', 'c'].map((c) => `00000000-0000-4000-8000-00000000000${c}`);
    await cache.fill(ids[0]!, async () => status(1, 'INITIATED', ids[0]), () => true);
    await cache.fill(ids[1]!, async () => status(1, 'INITIATED', ids[1]), () => true);
    cache.get(ids[0]!);
    await cache.fill(ids[2]!, async () => status(1, 'INITIATED', ids[2]), () => true);
    expect([cache.holds(ids[0]!), cache.holds(ids[1]!), cache.holds(ids[2]!)]).toEqual([true, false, true]);
  });

  it('stores nothing when its size is 0', async () => {
    const cache = new StatusCache(0);
    await cache.fill(ID, async () => status(1), () => true);
    expect(cache.size).toBe(0);
  });
});

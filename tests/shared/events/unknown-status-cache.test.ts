import { describe, expect, it } from 'vitest';
import { statusNotFound } from '../../../shared/status/status-document.ts';
import { UnknownStatusCache } from '../../../shared/events/unknown-status-cache.ts';

const ID = '6f1c3a52-7b0e-4d2a-9c61-0a3f5d2e8b14';
const TTL = 5_000;
const notFound = () => Promise.reject(statusNotFound());
const always = () => true;
const at = (ms: number) => () => ms;

/** A lookup whose database read the test finishes when it likes. */
function pendingRead(): { load: () => Promise<never>; fail(err: unknown): void } {
  let fail!: (err: unknown) => void;
  const promise = new Promise<never>((_, reject) => (fail = reject));
  return { load: () => promise, fail };
}

describe('UnknownStatusCache', () => {
  it('remembers an id a lookup found unknown, for the TTL', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    await expect(cache.lookup(ID, notFound, always, at(1_000))).rejects.toMatchObject({ name: 'ENROLLMENT_NOT_FOUND' });
    expect(cache.has(ID, 1_000)).toBe(true);
    expect(cache.has(ID, 1_000 + TTL - 1)).toBe(true);
    expect(cache.has(ID, 1_000 + TTL)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('remembers nothing but "not found": a database failure or a found status is not a negative', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    await expect(cache.lookup(ID, () => Promise.reject(new Error('connection lost')), always, at(0))).rejects.toThrow();
    await cache.lookup(ID, () => Promise.resolve('found'), always, at(0));
    expect(cache.has(ID, 0)).toBe(false);
  });

  it('remembers nothing when the owner no longer allows it (the event stream was interrupted)', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    await expect(cache.lookup(ID, notFound, () => false, at(0))).rejects.toThrow();
    expect(cache.has(ID, 0)).toBe(false);
  });

  it('forgets an id once a status event for it is heard', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    await cache.lookup(ID, notFound, always, at(0)).catch(() => undefined);
    cache.forget(ID);
    expect(cache.has(ID, 0)).toBe(false);
  });

  it('does not remember a lookup that raced the creation: the event came while it was in flight', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    const read = pendingRead();
    const lookup = cache.lookup(ID, read.load, always, at(0));
    cache.forget(ID);
    read.fail(statusNotFound());
    await expect(lookup).rejects.toThrow();
    expect(cache.has(ID, 0)).toBe(false);
    // The next lookup, with no event during it, is remembered again.
    await cache.lookup(ID, notFound, always, at(0)).catch(() => undefined);
    expect(cache.has(ID, 0)).toBe(true);
  });

  it('does not remember a lookup that was in flight when the cache was cleared', async () => {
    const cache = new UnknownStatusCache(10, TTL);
    const read = pendingRead();
    const lookup = cache.lookup(ID, read.load, always, at(0));
    cache.clear();
    read.fail(statusNotFound());
    await expect(lookup).rejects.toThrow();
    expect(cache.has(ID, 0)).toBe(false);
  });

  it('keeps at most maxEntries ids, dropping the oldest', async () => {
    const cache = new UnknownStatusCache(2, TTL);
    for (const id of ['a', 'b', 'c']) await cache.lookup(id, notFound, always, at(0)).catch(() => undefined);
    expect(cache.size).toBe(2);
    expect([cache.has('a', 0), cache.has('b', 0), cache.has('c', 0)]).toEqual([false, true, true]);
  });

  it('remembers nothing with maxEntries 0', async () => {
    const cache = new UnknownStatusCache(0, TTL);
    await cache.lookup(ID, notFound, always, at(0)).catch(() => undefined);
    expect(cache.has(ID, 0)).toBe(false);
  });
});

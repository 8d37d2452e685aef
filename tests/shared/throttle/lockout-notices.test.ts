import { describe, expect, it } from 'vitest';
import { LockoutNotices } from '../../../shared/throttle/lockout-notices.ts';

const now = new Date('2026-11-30T12:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

describe('LockoutNotices', () => {
  it('reports the first refusal of a lockout, not the ones after it', () => {
    const notices = new LockoutNotices();
    expect(notices.firstRefusal('alice', at(15), now)).toBe(true);
    expect(notices.firstRefusal('alice', at(15), at(1))).toBe(false);
  });

  it('reports a lockout with another end (the next one) again', () => {
    const notices = new LockoutNotices();
    notices.firstRefusal('alice', at(15), now);
    expect(notices.firstRefusal('alice', at(31), at(16))).toBe(true);
  });

  it('keeps users apart', () => {
    const notices = new LockoutNotices();
    notices.firstRefusal('alice', at(15), now);
    expect(notices.firstRefusal('bob', at(15), now)).toBe(true);
  });

  it('stays within its bound, forgetting ended lockouts first', () => {
    const notices = new LockoutNotices(2);
    notices.firstRefusal('ended', at(1), now);
    notices.firstRefusal('live', at(15), now);
    notices.firstRefusal('new', at(15), at(5));
    // "live" was kept (its lockout runs), "ended" forgotten: only a new lockout of it would report.
    expect(notices.firstRefusal('live', at(15), at(6))).toBe(false);
    expect(notices.firstRefusal('new', at(15), at(6))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { CallerBudgets } from '../../../shared/rate-limit/caller-budgets.ts';

const alice = { tenantId: 'acme', sub: 'alice' };
const bob = { tenantId: 'acme', sub: 'bob' };

/** A budget of `perMinute` on a clock the test moves by hand. */
function budgetsAt(perMinute: number, maxCallers?: number) {
  let now = 1_000_000;
  const budgets = new CallerBudgets(perMinute, () => now, maxCallers);
  return {
    budgets,
    advance: (ms: number) => {
      now += ms;
    },
    /** How many of `count` requests of `caller` pass now. */
    passed: (caller: { tenantId: string; sub: string }, count: number) =>
      Array.from({ length: count }, () => budgets.spend(caller)).filter((refusal) => refusal === undefined).length,
  };
}

describe('CallerBudgets', () => {
  it('lets a burst of a minute’s allowance pass, then refuses with 429 VER_0050 and the seconds until the next request', () => {
    const { budgets, passed } = budgetsAt(60);
    expect(passed(alice, 60)).toBe(60);
    const refusal = budgets.spend(alice);
    expect(refusal).toMatchObject({ code: 'VER_0050', status: 429, headers: { 'Retry-After': '1' }, extensions: { retry_after: 1 } });
    expect(refusal?.message).toBe('at most 60 requests per minute; try again in 1 s');
  });

  it('names the wait of a slow budget in whole seconds, rounded up', () => {
    const { budgets, passed, advance } = budgetsAt(6);
    passed(alice, 6);
    advance(2_500);
    expect(budgets.spend(alice)?.headers['Retry-After']).toBe('8');
  });

  it('gives back the allowance at its rate: one request a second for 60 a minute', () => {
    const { passed, advance } = budgetsAt(60);
    passed(alice, 60);
    advance(999);
    expect(passed(alice, 1)).toBe(0);
    advance(1);
    expect(passed(alice, 2)).toBe(1);
    advance(30_000);
    expect(passed(alice, 40)).toBe(30);
  });

  it('never refuses a steady rate below the limit', () => {
    const { passed, advance } = budgetsAt(12);
    for (let i = 0; i < 1_000; i++) {
      expect(passed(alice, 1)).toBe(1);
      advance(5_000);
    }
  });

  it('keeps one budget per user and tenant', () => {
    const { passed } = budgetsAt(5);
    expect(passed(alice, 10)).toBe(5);
    expect(passed(bob, 1)).toBe(1);
    expect(passed({ tenantId: 'globex', sub: 'alice' }, 1)).toBe(1);
  });

  it('cannot be confused by tenant and user names that run into each other', () => {
    const { passed } = budgetsAt(1);
    expect(passed({ tenantId: 'a', sub: 'b:c' }, 1)).toBe(1);
    expect(passed({ tenantId: 'a:b', sub: 'c' }, 1)).toBe(1);
  });

  it('forgets callers idle for a minute (their budget is full again) and remembers the others', () => {
    const { budgets, passed, advance } = budgetsAt(3);
    passed(alice, 3);
    advance(30_000);
    passed(bob, 3);
    expect(budgets.size).toBe(2);
    advance(30_000);
    passed({ tenantId: 'acme', sub: 'carol' }, 1);
    expect(budgets.size).toBe(2);
    expect(passed(bob, 3)).toBe(1);
  });

  it('counts a caller idle from its last request, also one made within a second of the one before', () => {
    const { budgets, passed, advance } = budgetsAt(3);
    passed(alice, 1);
    advance(900);
    passed(alice, 1);
    advance(59_500);
    passed(bob, 1);
    expect(budgets.size).toBe(2);
    advance(1_000);
    passed(bob, 1);
    expect(budgets.size).toBe(1);
  });

  it('keeps at most maxCallers, forgetting the least recently seen first', () => {
    const { budgets, passed } = budgetsAt(3, 100);
    passed(alice, 3);
    for (let i = 0; i < 150; i++) passed({ tenantId: 'acme', sub: `user-${i}` }, 1);
    expect(budgets.size).toBe(100);
    expect(passed({ tenantId: 'acme', sub: 'user-149' }, 3)).toBe(2);
    // Alice, seen first, was forgotten: her budget starts full again (the price of the bound).
    expect(passed(alice, 3)).toBe(3);
  });

  it('refills nothing when the clock steps back', () => {
    const { passed, advance } = budgetsAt(60);
    passed(alice, 60);
    advance(-10_000);
    expect(passed(alice, 1)).toBe(0);
  });

  it('is off at 0: nothing is refused, nothing is kept', () => {
    const { budgets, passed } = budgetsAt(0);
    expect(passed(alice, 10_000)).toBe(10_000);
    expect(budgets.size).toBe(0);
  });
});

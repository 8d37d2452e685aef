import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { purgeAuditTrail } from '../../../shared/audit/audit-retention.ts';
import { verifyAuditTrail } from '../../../shared/audit/audit-trail.ts';
import type { Database } from '../../../shared/db/database.ts';
import { auditRecorder, chainOf, recordChain, uniqueTenant } from '../../helpers/audit.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { TestClock } from '../../helpers/test-clock.ts';
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
afterEach(async () => {
  await db.query('UPDATE audit_policy SET retention_days = 365');
});

const DAY = 86_400_000;

/** A tenant whose chain holds `counts[i]` events recorded `ages[i]` days ago, oldest first. */
async function agedChain(ages: number[], counts: number[]): Promise<{ tenant: string; clock: TestClock }> {
  const tenant = uniqueTenant('retention');
  const clock = new TestClock();
  const now = clock.now().getTime();
  for (const [i, age] of ages.entries()) {
    clock.set(new Date(now - age * DAY));
    await recordChain(db, tenant, counts[i]!, auditRecorder(() => clock.now()));
  }
  clock.set(new Date(now));
  return { tenant, clock };
}

const head = async (tenant: string) =>
  (await db.query<{ checkpoint_seq: string; checkpoint_hash: string; last_seq: string }>('SELECT * FROM audit_chain_heads WHERE tenant_id = $1', [tenant])).rows[0]!;

describe('audit retention', () => {
  it('deletes rows older than the retention in batches, behind a checkpoint that keeps the rest verifiable', async () => {
    const { tenant, clock } = await agedChain([400, 10], [5, 3]);
    const before = await chainOf(db, tenant);
    const deleted = await purgeAuditTrail(db, clock.now(), 365, 2);
    expect(deleted).toBeGreaterThanOrEqual(5);
    const kept = await chainOf(db, tenant);
    expect(kept.map((r) => r.seq)).toEqual([6, 7, 8]);
    expect(await head(tenant)).toMatchObject({ checkpoint_seq: '5', checkpoint_hash: before[4]!.hash, last_seq: '8' });
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 3 });
  });

  it('keeps every row younger than the retention', async () => {
    const { tenant, clock } = await agedChain([300, 1], [2, 2]);
    await purgeAuditTrail(db, clock.now(), 365);
    expect((await chainOf(db, tenant)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('deletes a whole chain that aged out, and the head still verifies and goes on from it', async () => {
    const { tenant, clock } = await agedChain([500], [3]);
    await purgeAuditTrail(db, clock.now(), 365);
    expect(await chainOf(db, tenant)).toEqual([]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 0 });
    await recordChain(db, tenant, 1);
    expect((await chainOf(db, tenant)).map((r) => r.seq)).toEqual([4]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 1 });
  });

  it("never goes below the database's own floor (audit_policy), whatever AUDIT_RETENTION_DAYS says", async () => {
    const { tenant, clock } = await agedChain([100, 1], [2, 1]);
    expect(await purgeAuditTrail(db, clock.now(), 30)).toBe(0);
    expect(await chainOf(db, tenant)).toHaveLength(3);
    // The owner lowers the floor; then the service's own retention applies.
    await db.query('UPDATE audit_policy SET retention_days = 30');
    await purgeAuditTrail(db, clock.now(), 30);
    expect((await chainOf(db, tenant)).map((r) => r.seq)).toEqual([3]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 1 });
  });

  it('refuses a direct DELETE of an old row that is not yet behind the checkpoint', async () => {
    const { tenant } = await agedChain([400], [2]);
    await expect(db.query('DELETE FROM audit_events WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
  });
});

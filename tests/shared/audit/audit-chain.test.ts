import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, chainHash } from '../../../shared/audit/audit-hash.ts';
import { chainTenant } from '../../../shared/audit/audit-chainer.ts';
import { verifyAuditTrail } from '../../../shared/audit/audit-trail.ts';
import { verifyExport } from '../../../shared/audit/verify-export.ts';
import type { Database } from '../../../shared/db/database.ts';
import { asInsider, auditRecorder, chainOf, recordChain, uniqueTenant, wrongCode } from '../../helpers/audit.ts';
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

const pendingOf = async (tenant: string) =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_pending WHERE tenant_id = $1', [tenant])).rows[0]!.n);

describe('recording', () => {
  it('leaves no row when the change that recorded the event rolls back', async () => {
    const tenant = uniqueTenant();
    await expect(
      db.transaction(async (tx) => {
        await auditRecorder().record(tx, wrongCode(tenant, 1));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await pendingOf(tenant)).toBe(0);
    expect(await chainOf(db, tenant)).toEqual([]);
  });

  it('chains committed events with gap-free seq, each linked to the previous hash and hashed over its canonical form', async () => {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, 5);
    const rows = await chainOf(db, tenant);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (const [i, row] of rows.entries()) {
      if (i > 0) expect(row.prev_hash).toBe(rows[i - 1]!.hash);
      const { prev_hash, hash, ...content } = row;
      expect(chainHash(prev_hash, content)).toBe(hash);
    }
    expect(rows[4]).toMatchObject({ tenant, sub: 'alice', actor: 'alice', event: 'authentication.wrong_code', type: 'TOTP', outcome: 'failure', ip: '203.0.113.7', user_agent: 'vitest', request_id: 'req-test', details: { failures: 5 } });
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 5 });
  });

  it('chains an event whose change commits late after the events that committed before it', async () => {
    const tenant = uniqueTenant();
    let release: () => void = () => undefined;
    const slow = db.transaction(async (tx) => {
      await auditRecorder().record(tx, wrongCode(tenant, 1, 'slow'));
      await new Promise<void>((resolve) => (release = resolve));
    });
    await recordChain(db, tenant, 2);
    release();
    await slow;
    await chainTenant(db, tenant);
    expect((await chainOf(db, tenant)).map((r) => [r.seq, r.sub])).toEqual([[1, 'alice'], [2, 'alice'], [3, 'slow']]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 3 });
  });

  it('keeps chains of different tenants apart, each starting at seq 1', async () => {
    const [a, b] = [uniqueTenant(), uniqueTenant()];
    await recordChain(db, a, 2);
    await recordChain(db, b, 3);
    expect((await chainOf(db, a)).map((r) => r.seq)).toEqual([1, 2]);
    expect((await chainOf(db, b)).map((r) => [r.seq, r.tenant])).toEqual([[1, b], [2, b], [3, b]]);
  });

  it('chains events recorded by many transactions at once into one unbroken chain', async () => {
    const tenant = uniqueTenant();
    const recorder = auditRecorder();
    await Promise.all(Array.from({ length: 40 }, (_, i) => db.transaction((tx) => recorder.record(tx, wrongCode(tenant, i + 1)))));
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 40 });
    expect(new Set((await chainOf(db, tenant)).map((r) => r.details.failures)).size).toBe(40);
  });
});

describe('append-only, for every role', () => {
  it('refuses to UPDATE an audit row, even for a superuser', async () => {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, 1);
    await expect(db.query("UPDATE audit_events SET outcome = 'success' WHERE tenant_id = $1", [tenant])).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses to DELETE a row younger than the retention, even for a superuser', async () => {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, 1);
    await expect(db.query('DELETE FROM audit_events WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses to TRUNCATE the trail', async () => {
    await expect(db.query('TRUNCATE audit_events')).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses to change or delete an event waiting to be chained', async () => {
    const tenant = uniqueTenant();
    await db.transaction((tx) => auditRecorder().record(tx, wrongCode(tenant, 1)));
    await expect(db.query("UPDATE audit_pending SET outcome = 'success' WHERE tenant_id = $1", [tenant])).rejects.toMatchObject({ code: '42501' });
    await expect(db.query('DELETE FROM audit_pending WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
    await chainTenant(db, tenant);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: true, checked: 1 });
  });
});

describe('tampering with the table directly (triggers switched off) is found by verify', () => {
  async function tamperedChain(count = 5) {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, count);
    return { tenant, rows: await chainOf(db, tenant) };
  }

  it('an edited row: its id, hash_mismatch', async () => {
    const { tenant, rows } = await tamperedChain();
    await asInsider(db, "UPDATE audit_events SET outcome = 'success' WHERE id = $1", [rows[2]!.id]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 3, first_bad: rows[2]!.id, reason: 'hash_mismatch' });
  });

  it('an edited detail: its id', async () => {
    const { tenant, rows } = await tamperedChain();
    await asInsider(db, `UPDATE audit_events SET details = '{"failures": 0}' WHERE id = $1`, [rows[1]!.id]);
    expect(await verifyAuditTrail(db, tenant)).toMatchObject({ ok: false, first_bad: rows[1]!.id, reason: 'hash_mismatch' });
  });

  it('a deleted row in the middle: the row after it, missing_rows', async () => {
    const { tenant, rows } = await tamperedChain();
    await asInsider(db, 'DELETE FROM audit_events WHERE id = $1', [rows[2]!.id]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 3, first_bad: rows[3]!.id, reason: 'missing_rows' });
  });

  it('the last row deleted: the deleted row, which the chain head still names', async () => {
    const { tenant, rows } = await tamperedChain();
    await asInsider(db, 'DELETE FROM audit_events WHERE id = $1', [rows[4]!.id]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 4, first_bad: rows[4]!.id, reason: 'missing_rows' });
  });

  it('every row deleted: the last one the head names', async () => {
    const { tenant, rows } = await tamperedChain(3);
    await asInsider(db, 'DELETE FROM audit_events WHERE tenant_id = $1', [tenant]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 0, first_bad: rows[2]!.id, reason: 'missing_rows' });
  });

  it('a row rewritten with a recomputed hash: the row after it, broken_link', async () => {
    const { tenant, rows } = await tamperedChain();
    const forged = { ...rows[1]!, outcome: 'success' };
    await asInsider(db, "UPDATE audit_events SET outcome = 'success', hash = $2 WHERE id = $1", [forged.id, chainHash(forged.prev_hash, forged)]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 3, first_bad: rows[2]!.id, reason: 'broken_link' });
  });

  it('the last row rewritten with a recomputed hash: that row, head_mismatch', async () => {
    const { tenant, rows } = await tamperedChain();
    const forged = { ...rows[4]!, outcome: 'success' };
    await asInsider(db, "UPDATE audit_events SET outcome = 'success', hash = $2 WHERE id = $1", [forged.id, chainHash(forged.prev_hash, forged)]);
    expect(await verifyAuditTrail(db, tenant)).toEqual({ ok: false, checked: 5, first_bad: rows[4]!.id, reason: 'head_mismatch' });
  });
});

describe('verifying a time range', () => {
  it('checks only the rows in [from, to), linked to the row before them', async () => {
    const tenant = uniqueTenant();
    const at = (day: number) => () => new Date(Date.UTC(2030, 0, day));
    for (const day of [1, 2, 3, 4]) await db.transaction((tx) => auditRecorder(at(day)).record(tx, wrongCode(tenant, day)));
    const range = { from: new Date(Date.UTC(2030, 0, 2)), to: new Date(Date.UTC(2030, 0, 4)) };
    expect(await verifyAuditTrail(db, tenant, range)).toEqual({ ok: true, checked: 2 });
    expect(await verifyAuditTrail(db, tenant, { from: range.from })).toEqual({ ok: true, checked: 3 });
  });

  it('reports an edit inside the range, and none for an edit outside it', async () => {
    const tenant = uniqueTenant();
    const at = (day: number) => () => new Date(Date.UTC(2031, 0, day));
    for (const day of [1, 2, 3, 4]) await db.transaction((tx) => auditRecorder(at(day)).record(tx, wrongCode(tenant, day)));
    const rows = await chainOf(db, tenant);
    await asInsider(db, "UPDATE audit_events SET outcome = 'success' WHERE id = $1", [rows[0]!.id]);
    const range = { from: new Date(Date.UTC(2031, 0, 2)), to: new Date(Date.UTC(2031, 0, 4)) };
    expect(await verifyAuditTrail(db, tenant, range)).toEqual({ ok: true, checked: 2 });
    expect(await verifyAuditTrail(db, tenant, { to: range.to })).toEqual({ ok: false, checked: 1, first_bad: rows[0]!.id, reason: 'hash_mismatch' });
  });
});

describe('an export, verified offline (npm run audit:verify)', () => {
  it('verifies as exported, in any order, from any starting row', async () => {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, 4);
    const rows = await chainOf(db, tenant);
    expect(verifyExport([...rows].reverse())).toEqual({ ok: true, checked: 4 });
    expect(verifyExport(rows.slice(2))).toEqual({ ok: true, checked: 2 });
  });

  it('names the first row edited after the export', async () => {
    const tenant = uniqueTenant();
    await recordChain(db, tenant, 4);
    const rows = await chainOf(db, tenant);
    const edited = rows.map((r, i) => (i === 2 ? { ...r, details: { failures: 99 } } : r));
    expect(verifyExport(edited)).toEqual({ ok: false, checked: 3, first_bad: rows[2]!.id, reason: 'hash_mismatch' });
    expect(verifyExport([rows[0]!, rows[1]!, rows[3]!])).toMatchObject({ ok: false, first_bad: rows[3]!.id, reason: 'missing_rows' });
  });
});

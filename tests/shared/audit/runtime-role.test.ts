import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeAuditTrail } from '../../../shared/audit/audit-retention.ts';
import { verifyAuditTrail } from '../../../shared/audit/audit-trail.ts';
import type { Database } from '../../../shared/db/database.ts';
import { auditRecorder, chainOf, recordChain, uniqueTenant } from '../../helpers/audit.ts';
import { ADMIN_URL, createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { openMigratedDatabase } from '../../helpers/test-server.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { createLogger } from '../../../shared/log/logger.ts';

// The two-role production setup of the README: the owner (here the superuser postgres) runs the
// migrations and scripts/runtime-role.sql; the services connect as a role without superuser.
const GRANTS = fileURLToPath(new URL('../../../scripts/runtime-role.sql', import.meta.url));
const role = `vt_app_${randomBytes(4).toString('hex')}`;

let scratch: ScratchDatabase;
let owner: Database;
let app: Database;
let tenant: string;

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  scratch = await createScratchDatabase();
  owner = await openMigratedDatabase(scratch.url);
  await asAdmin(`CREATE ROLE ${role} LOGIN`);
  // psql's :"role" is the quoted role name.
  await owner.query(readFileSync(GRANTS, 'utf8').replaceAll(':"role"', `"${role}"`));
  const url = new URL(scratch.url);
  url.username = role;
  app = createPostgresDatabase({ connectionString: url.toString(), log: createLogger('silent') });
  tenant = uniqueTenant('role');
  await recordChain(app, tenant, 3);
});

afterAll(async () => {
  await app?.close();
  await owner?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await owner?.close();
  await scratch?.drop();
  await asAdmin(`DROP ROLE IF EXISTS ${role}`);
});

describe('the run-time role (scripts/runtime-role.sql)', () => {
  it('is not a superuser', async () => {
    const { rows } = await app.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    expect(rows[0]!.rolsuper).toBe(false);
  });

  it('records events, which are chained, listed and verified', async () => {
    expect((await chainOf(app, tenant)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await verifyAuditTrail(app, tenant)).toEqual({ ok: true, checked: 3 });
  });

  it('cannot UPDATE an audit row', async () => {
    await expect(app.query("UPDATE audit_events SET outcome = 'success' WHERE tenant_id = $1", [tenant])).rejects.toMatchObject({ code: '42501' });
  });

  it('cannot DELETE an audit row', async () => {
    await expect(app.query('DELETE FROM audit_events WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
  });

  it('cannot write audit rows or chain heads directly, nor lower the retention floor', async () => {
    const row = (await chainOf(app, tenant))[0]!;
    await expect(
      app.query(
        `INSERT INTO audit_events (id, tenant_id, seq, at, event, outcome, prev_hash, hash) VALUES (gen_random_uuid(), $1, 99, now(), 'x', 'success', $2, $2)`,
        [tenant, row.hash],
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(app.query('UPDATE audit_chain_heads SET last_seq = 1 WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
    await expect(app.query('UPDATE audit_policy SET retention_days = 1')).rejects.toMatchObject({ code: '42501' });
  });

  it('cannot change or remove an event waiting to be chained', async () => {
    await app.transaction((tx) => auditRecorder().record(tx, { event: 'authentication.wrong_code', tenantId: tenant, sub: 'bob', type: 'TOTP', failures: 1 }));
    await expect(app.query("UPDATE audit_pending SET sub = 'mallory' WHERE tenant_id = $1", [tenant])).rejects.toMatchObject({ code: '42501' });
    await expect(app.query('DELETE FROM audit_pending WHERE tenant_id = $1', [tenant])).rejects.toMatchObject({ code: '42501' });
  });

  it('runs retention, which deletes only what the floor allows', async () => {
    expect(await purgeAuditTrail(app, new Date(), 1)).toBe(0);
    expect(await verifyAuditTrail(app, tenant)).toEqual({ ok: true, checked: 4 });
  });

  it('cannot run migrations', async () => {
    await expect(app.query('DROP TABLE audit_events')).rejects.toMatchObject({ code: '42501' });
    await expect(app.query("INSERT INTO pgmigrations (name, run_on) VALUES ('9999_x', now())")).rejects.toMatchObject({ code: '42501' });
  });
});

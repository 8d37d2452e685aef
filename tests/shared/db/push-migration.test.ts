import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { migrate, shippedMigrations } from '../../../shared/db/migrations.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// Migration 0010 adds PUSH's own storage (single-use device token ids, fatigue lockouts, the
// pending-challenge index). Walked up and down on its own, like every migration.

const MIGRATION = '0010_push-devices';
let scratch: ScratchDatabase;
let db: Database;

const tables = async () =>
  (await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'push_%' ORDER BY 1")).rows.map((r) => r.table_name);

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  await migrate(db, 'up', shippedMigrations().indexOf(MIGRATION));
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

describe(`migration ${MIGRATION}`, () => {
  it('creates the token-use and lockout tables, and a used token id conflicts', async () => {
    expect((await migrate(db, 'up', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    expect(await tables()).toEqual(['push_device_token_uses', 'push_lockouts']);
    await db.query("INSERT INTO tenants (id) VALUES ('acme')");
    await db.query(
      `INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, public_key, counter, data, created_at)
       VALUES ('79e52278-80f4-488f-8adc-5ef3d4c4869d', 'acme', 'alice', 'PUSH', '{}', 0, '{}', now())`,
    );
    const use = "INSERT INTO push_device_token_uses (ph_id, jti, expires_at) VALUES ('79e52278-80f4-488f-8adc-5ef3d4c4869d', 'j1', now()) ON CONFLICT DO NOTHING";
    expect((await db.query(use)).rowCount).toBe(1);
    expect((await db.query(use)).rowCount).toBe(0);
  });

  it('goes down cleanly, and up again', async () => {
    expect((await migrate(db, 'down', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    expect(await tables()).toEqual([]);
    expect((await migrate(db, 'up', 1)).map((m) => m.name)).toEqual([MIGRATION]);
  });
});

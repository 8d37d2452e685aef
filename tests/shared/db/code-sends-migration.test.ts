import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { migrate, shippedMigrations } from '../../../shared/db/migrations.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// Migration 0011 adds the send log of the SMS/EMAIL caps and the index that finds the exchange
// waiting for a message. It walks only itself up and down, so later migrations do not break it.

const MIGRATION = '0011_code-sends';
let scratch: ScratchDatabase;
let db: Database;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  await migrate(db, 'up', shippedMigrations().indexOf(MIGRATION));
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

const exists = async (relation: string) => (await db.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [relation])).rows[0]!.r !== null;

describe(`migration ${MIGRATION}`, () => {
  it('creates code_sends and the delivery index going up', async () => {
    expect((await migrate(db, 'up', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    expect(await exists('code_sends')).toBe(true);
    expect(await exists('exchanges_delivery_message')).toBe(true);
  });

  it('drops both going down', async () => {
    expect((await migrate(db, 'down', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    expect(await exists('code_sends')).toBe(false);
    expect(await exists('exchanges_delivery_message')).toBe(false);
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { migrate, shippedMigrations } from '../../../shared/db/migrations.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// Migration 0007 moves TOTP-only columns into per-method storage. One database is walked
// through it with data written by the schema before it: up keeps every value, down restores
// them, and what only the new schema can hold (sign-in challenges, other methods) goes on down.

const MIGRATION = '0007_exchanges-and-method-storage';
let scratch: ScratchDatabase;
let db: Database;

const live = { statusId: randomUUID(), exchangeId: randomUUID(), clientId: randomUUID() };
const enrolled = { statusId: randomUUID(), exchangeId: randomUUID(), clientId: randomUUID(), phId: randomUUID() };
const sealed = randomBytes(48);

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  const before = shippedMigrations().indexOf(MIGRATION);
  await migrate(db, 'up', before);
  await db.query("INSERT INTO tenants (id) VALUES ('acme')");
  await db.query(
    `INSERT INTO tenant_methods (tenant_id, verification_type, active, algorithm, digits, period, window_steps, exchange_lifetime_seconds, max_devices, issuer)
     VALUES ('acme', 'TOTP', false, 'SHA256', 8, 60, 2, 900, 3, 'Acme')`,
  );
  const enrollment = `INSERT INTO enrollments (status_id, exchange_id, tenant_id, sub, verification_type, status, authenticator_client_id,
      secret_ciphertext, secret_key_id, algorithm, digits, period, window_steps, max_attempts, expires_at, created_at, updated_at, stepped_up, ph_id)
    VALUES ($1, $2, 'acme', 'alice', 'TOTP', $3, $4, $5, $6, 'SHA512', 7, 45, 0, 5, now() + interval '10 minutes', now(), now(), true, $7)`;
  await db.query(enrollment, [live.statusId, live.exchangeId, 'INITIATED', live.clientId, sealed, 'k1', null]);
  await db.query(enrollment, [enrolled.statusId, enrolled.exchangeId, 'ENROLLED', enrolled.clientId, null, null, enrolled.phId]);
  await db.query(
    `INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, enrollment_status_id, secret_ciphertext, secret_key_id,
       algorithm, digits, period, window_steps, last_used_step, created_at)
     VALUES ($1, 'acme', 'alice', 'TOTP', $2, $3, 'k1', 'SHA256', 8, 60, 2, 123456, now())`,
    [enrolled.phId, enrolled.statusId, sealed],
  );
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

describe(`migration ${MIGRATION}`, () => {
  it('moves enrollments into exchanges of kind enrollment, their TOTP parameters into method_state', async () => {
    // Only this migration: later ones may depend on it, and the rollback below undoes just this one.
    expect((await migrate(db, 'up', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    const { rows } = await db.query<{ kind: string; status: string; method_state: unknown; secret_key_id: string | null }>(
      'SELECT kind, status, method_state, secret_key_id FROM exchanges WHERE status_id = $1',
      [live.statusId],
    );
    expect(rows).toEqual([
      { kind: 'enrollment', status: 'INITIATED', method_state: { algorithm: 'SHA512', digits: 7, period: 45, window: 0 }, secret_key_id: 'k1' },
    ]);
  });

  it('keeps the authenticator: its parameters in data, its last step as the counter, its secret', async () => {
    const { rows } = await db.query<{ data: unknown; counter: string; secret_ciphertext: Buffer }>(
      'SELECT data, counter, secret_ciphertext FROM authenticators WHERE ph_id = $1',
      [enrolled.phId],
    );
    expect(rows[0]!.data).toEqual({ algorithm: 'SHA256', digits: 8, period: 60, window: 2 });
    expect(Number(rows[0]!.counter)).toBe(123456);
    expect(rows[0]!.secret_ciphertext.equals(sealed)).toBe(true);
  });

  it('keeps the tenant settings, now one jsonb object', async () => {
    const { rows } = await db.query<{ active: boolean; settings: unknown }>("SELECT active, settings FROM tenant_methods WHERE tenant_id = 'acme'");
    expect(rows).toEqual([
      {
        active: false,
        settings: { algorithm: 'SHA256', digits: 8, period: 60, window: 2, exchange_lifetime: 900, max_devices: 3, issuer: 'Acme' },
      },
    ]);
  });

  it('refuses a status outside its kind, and a secret on an exchange that ended', async () => {
    await expect(db.query("UPDATE exchanges SET status = 'AUTHENTICATED' WHERE status_id = $1", [live.statusId])).rejects.toThrow(/exchanges_kind_status/);
    await expect(db.query("UPDATE exchanges SET status = 'EXPIRED' WHERE status_id = $1", [live.statusId])).rejects.toThrow(
      /exchanges_secret_only_live/,
    );
  });

  it('rolls back to the TOTP columns with the same values, dropping challenges and other methods', async () => {
    await db.query(
      `INSERT INTO exchanges (status_id, exchange_id, kind, tenant_id, sub, verification_type, status, max_attempts, expires_at, created_at, updated_at, stepped_up)
       VALUES ($1, $2, 'challenge', 'acme', 'alice', 'TOTP', 'AUTHENTICATED', 5, now(), now(), now(), false)`,
      [randomUUID(), randomUUID()],
    );
    await db.query(`INSERT INTO tenant_methods (tenant_id, verification_type, active, settings) VALUES ('acme', 'SMS', true, '{"digits": 6}')`);
    await db.query("UPDATE tenant_methods SET settings = settings - 'issuer' - 'period' WHERE verification_type = 'TOTP'");

    await migrate(db, 'down', 1);
    const enrollments = await db.query<Record<string, unknown>>(
      'SELECT status_id, algorithm, digits, period, window_steps, secret_key_id FROM enrollments ORDER BY status_id',
    );
    expect(enrollments.rows).toEqual(
      [
        { status_id: live.statusId, algorithm: 'SHA512', digits: 7, period: 45, window_steps: 0, secret_key_id: 'k1' },
        { status_id: enrolled.statusId, algorithm: 'SHA512', digits: 7, period: 45, window_steps: 0, secret_key_id: null },
      ].sort((a, b) => a.status_id.localeCompare(b.status_id)),
    );
    const authenticator = await db.query<Record<string, unknown>>('SELECT algorithm, digits, period, window_steps, last_used_step FROM authenticators');
    expect(authenticator.rows).toEqual([{ algorithm: 'SHA256', digits: 8, period: 60, window_steps: 2, last_used_step: '123456' }]);
    const settings = await db.query<Record<string, unknown>>(
      'SELECT verification_type, algorithm, digits, period, window_steps, exchange_lifetime_seconds, max_devices, issuer FROM tenant_methods',
    );
    // Members no longer stored take TOTP's defaults.
    expect(settings.rows).toEqual([
      { verification_type: 'TOTP', algorithm: 'SHA256', digits: 8, period: 30, window_steps: 2, exchange_lifetime_seconds: 900, max_devices: 3, issuer: null },
    ]);
  });

  it('applies again after the rollback', async () => {
    expect((await migrate(db, 'up', 1)).map((m) => m.name)).toEqual([MIGRATION]);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM exchanges WHERE kind = 'enrollment'");
    expect(rows[0]!.n).toBe(2);
  });
});

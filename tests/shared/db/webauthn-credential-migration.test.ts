import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.ts';
import { createPostgresDatabase } from '../../../shared/db/postgres.ts';
import { migrate, shippedMigrations } from '../../../shared/db/migrations.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// Migration 0012: a WebAuthn credential id names one authenticator of a tenant, whichever
// method and user registered it; other methods' rows and other tenants are not concerned.

const MIGRATION = '0012_webauthn-credential-ids';
let scratch: ScratchDatabase;
let db: Database;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPostgresDatabase({ connectionString: scratch.url, log: createLogger('silent') });
  // Up to and including this migration only: the rollback below undoes just this one.
  await migrate(db, 'up', shippedMigrations().indexOf(MIGRATION) + 1);
  await db.query("INSERT INTO tenants (id) VALUES ('acme'), ('globex')");
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

function insert(tenant: string, sub: string, type: string, data: Record<string, unknown>) {
  return db.query(
    `INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, counter, data, created_at) VALUES ($1, $2, $3, $4, 0, $5, now())`,
    [randomUUID(), tenant, sub, type, data],
  );
}

describe(`migration ${MIGRATION}`, () => {
  it('refuses a second authenticator of the tenant with the same credential id, across users and the two methods', async () => {
    await insert('acme', 'alice', 'FIDO2', { credential_id: 'cred-1' });
    await expect(insert('acme', 'bob', 'TOUCHID', { credential_id: 'cred-1' })).rejects.toMatchObject({ code: '23505' });
    await expect(insert('acme', 'alice', 'FIDO2', { credential_id: 'cred-1' })).rejects.toMatchObject({ code: '23505' });
  });

  it('lets another tenant hold the same credential id, and other methods keep no credential id', async () => {
    await insert('globex', 'alice', 'FIDO2', { credential_id: 'cred-1' });
    await insert('acme', 'carol', 'TOTP', { algorithm: 'SHA1' });
    await insert('acme', 'dave', 'TOTP', { algorithm: 'SHA1' });
  });

  it('goes down (the index only) and up again', async () => {
    await migrate(db, 'down', 1);
    await insert('acme', 'erin', 'FIDO2', { credential_id: 'cred-1' });
    await db.query("DELETE FROM authenticators WHERE sub = 'erin'");
    await migrate(db, 'up', 1);
    await expect(insert('acme', 'erin', 'FIDO2', { credential_id: 'cred-1' })).rejects.toMatchObject({ code: '23505' });
  });
});

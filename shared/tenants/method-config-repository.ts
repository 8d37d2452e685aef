import type { Queryable } from '../db/database.ts';
import type { JsonObject } from '../db/json.ts';
import type { VerificationType } from './verification-type.ts';

/**
 * A tenant's stored configuration of one method: whether it is active and the settings an admin
 * set, as the method's module validated them (members never set are absent: the module's
 * defaults fill them in on read).
 */
export interface StoredMethodConfig {
  verificationType: VerificationType;
  active: boolean;
  settings: JsonObject;
}

interface MethodRow {
  verification_type: VerificationType;
  active: boolean;
  settings: JsonObject;
}

const toStored = (row: MethodRow): StoredMethodConfig => ({ verificationType: row.verification_type, active: row.active, settings: row.settings });

/** Whether each method the tenant configured is active (methods never changed have no row): one small query. */
export async function findTenantActivity(q: Queryable, tenantId: string): Promise<Map<VerificationType, boolean>> {
  const { rows } = await q.query<{ verification_type: VerificationType; active: boolean }>(
    'SELECT verification_type, active FROM tenant_methods WHERE tenant_id = $1',
    [tenantId],
  );
  return new Map(rows.map((r) => [r.verification_type, r.active]));
}

/** Every stored configuration of the tenant (methods never changed have no row). */
export async function findTenantMethods(q: Queryable, tenantId: string): Promise<StoredMethodConfig[]> {
  const { rows } = await q.query<MethodRow>('SELECT verification_type, active, settings FROM tenant_methods WHERE tenant_id = $1', [tenantId]);
  return rows.map(toStored);
}

/** One stored configuration, locked for update when `forUpdate` (inside a transaction). */
export async function findTenantMethod(
  q: Queryable,
  tenantId: string,
  type: VerificationType,
  forUpdate = false,
): Promise<StoredMethodConfig | undefined> {
  const { rows } = await q.query<MethodRow>(
    `SELECT verification_type, active, settings FROM tenant_methods WHERE tenant_id = $1 AND verification_type = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, type],
  );
  return rows[0] && toStored(rows[0]);
}

/**
 * Tenants come into being on first use: the token issuer vouches for them. Returns whether the
 * row was already there (committed: ON CONFLICT waits for a concurrent insert to end).
 */
export async function ensureTenant(q: Queryable, tenantId: string): Promise<boolean> {
  const { rowCount } = await q.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [tenantId]);
  return rowCount === 0;
}

// Per database (tests run several in one process): tenants seen committed. Tenants are never
// deleted, so once seen a tenant needs no upsert again.
const committedTenants = new WeakMap<object, Set<string>>();

/**
 * ensureTenant, skipped for a tenant this process has already seen committed in `db`: the
 * initiation hot path then writes no tenant row. `tx` is a transaction of `db`.
 */
export async function ensureTenantOnce(db: object, tx: Queryable, tenantId: string): Promise<void> {
  let seen = committedTenants.get(db);
  if (seen?.has(tenantId)) return;
  // A row this transaction inserted may still roll back: only one found existing is remembered.
  if (!(await ensureTenant(tx, tenantId))) return;
  if (!seen) committedTenants.set(db, (seen = new Set()));
  seen.add(tenantId);
}

/** Inserts the tenant and the method's row with `initial` unless they exist. */
export async function ensureTenantMethod(q: Queryable, tenantId: string, initial: StoredMethodConfig): Promise<void> {
  await ensureTenant(q, tenantId);
  await q.query(
    `INSERT INTO tenant_methods (tenant_id, verification_type, active, settings) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, verification_type) DO NOTHING`,
    [tenantId, initial.verificationType, initial.active, initial.settings],
  );
}

/** Writes the whole stored configuration of one method (the row exists: ensureTenantMethod). */
export async function saveTenantMethod(q: Queryable, tenantId: string, config: StoredMethodConfig): Promise<void> {
  await q.query(
    `UPDATE tenant_methods SET active = $3, settings = $4, updated_at = now() WHERE tenant_id = $1 AND verification_type = $2`,
    [tenantId, config.verificationType, config.active, config.settings],
  );
}

import type { Queryable } from '../db/database.ts';
import type { HashAlgorithm, MethodConfig, VerificationType } from './method-settings.ts';

interface MethodRow {
  verification_type: VerificationType;
  active: boolean;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  window_steps: number;
  exchange_lifetime_seconds: number;
  max_devices: number;
  issuer: string | null;
}

const COLUMNS =
  'verification_type, active, algorithm, digits, period, window_steps, exchange_lifetime_seconds, max_devices, issuer';

function toConfig(row: MethodRow): MethodConfig {
  return {
    verificationType: row.verification_type,
    active: row.active,
    settings: {
      algorithm: row.algorithm,
      digits: row.digits,
      period: row.period,
      window: row.window_steps,
      exchange_lifetime: row.exchange_lifetime_seconds,
      max_devices: row.max_devices,
      issuer: row.issuer,
    },
  };
}

/** Stored method configurations of one tenant (methods never changed have no row). */
export async function findTenantMethods(q: Queryable, tenantId: string): Promise<MethodConfig[]> {
  const { rows } = await q.query<MethodRow>(`SELECT ${COLUMNS} FROM tenant_methods WHERE tenant_id = $1`, [tenantId]);
  return rows.map(toConfig);
}

/** One stored configuration, locked for update when `forUpdate` (inside a transaction). */
export async function findTenantMethod(
  q: Queryable,
  tenantId: string,
  type: VerificationType,
  forUpdate = false,
): Promise<MethodConfig | undefined> {
  const { rows } = await q.query<MethodRow>(
    `SELECT ${COLUMNS} FROM tenant_methods WHERE tenant_id = $1 AND verification_type = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, type],
  );
  return rows[0] && toConfig(rows[0]);
}

/** Tenants come into being on first use: the token issuer vouches for them. */
export async function ensureTenant(q: Queryable, tenantId: string): Promise<void> {
  await q.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [tenantId]);
}

/** Inserts the tenant and the method's row with `initial` unless they exist. */
export async function ensureTenantMethod(q: Queryable, tenantId: string, initial: MethodConfig): Promise<void> {
  await ensureTenant(q, tenantId);
  await saveTenantMethod(q, tenantId, initial, 'DO NOTHING');
}

/** Writes the whole configuration of one method. */
export async function saveTenantMethod(
  q: Queryable,
  tenantId: string,
  config: MethodConfig,
  onConflict: 'DO NOTHING' | 'UPDATE' = 'UPDATE',
): Promise<void> {
  const s = config.settings;
  await q.query(
    `INSERT INTO tenant_methods (tenant_id, ${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (tenant_id, verification_type) ${
       onConflict === 'DO NOTHING'
         ? 'DO NOTHING'
         : `DO UPDATE SET active = EXCLUDED.active, algorithm = EXCLUDED.algorithm, digits = EXCLUDED.digits,
              period = EXCLUDED.period, window_steps = EXCLUDED.window_steps,
              exchange_lifetime_seconds = EXCLUDED.exchange_lifetime_seconds,
              max_devices = EXCLUDED.max_devices, issuer = EXCLUDED.issuer, updated_at = now()`
     }`,
    [tenantId, config.verificationType, config.active, s.algorithm, s.digits, s.period, s.window, s.exchange_lifetime, s.max_devices, s.issuer],
  );
}

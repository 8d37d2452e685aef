import type { Queryable } from '../db/database.ts';
import type { SealedSecret } from '../otp/secret-box.ts';

/** A webhook endpoint as stored (secrets sealed). */
export interface StoredEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  disabledAt: Date | null;
  secret: SealedSecret;
  previous: { secret: SealedSecret; expiresAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | null;
  secret_sealed: Buffer;
  secret_key_id: string;
  previous_secret_sealed: Buffer | null;
  previous_key_id: string | null;
  previous_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toEndpoint(row: EndpointRow): StoredEndpoint {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    description: row.description,
    events: row.events,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    secret: { keyId: row.secret_key_id, ciphertext: row.secret_sealed },
    previous:
      row.previous_secret_sealed && row.previous_key_id && row.previous_expires_at
        ? { secret: { keyId: row.previous_key_id, ciphertext: row.previous_secret_sealed }, expiresAt: row.previous_expires_at }
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Serialises endpoint creation per tenant until the transaction ends, so the per-tenant cap
 * holds however many creations race (across instances too).
 */
export async function lockTenantEndpoints(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || $1, 0))", [tenantId]);
}

export async function countEndpoints(q: Queryable, tenantId: string): Promise<number> {
  const { rows } = await q.query<{ n: string }>('SELECT count(*) AS n FROM webhook_endpoints WHERE tenant_id = $1', [tenantId]);
  return Number(rows[0]!.n);
}

export interface NewEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  events: string[];
  secret: SealedSecret;
  now: Date;
}

export async function insertEndpoint(tx: Queryable, e: NewEndpoint): Promise<StoredEndpoint> {
  const { rows } = await tx.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, tenant_id, url, description, events, status, secret_sealed, secret_key_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'enabled', $6, $7, $8, $8) RETURNING *`,
    [e.id, e.tenantId, e.url, e.description, e.events, e.secret.ciphertext, e.secret.keyId, e.now],
  );
  return toEndpoint(rows[0]!);
}

/** One of the tenant's endpoints (another tenant's reads as absent); `forUpdate` locks it. */
export async function findEndpoint(q: Queryable, tenantId: string, id: string, forUpdate = false): Promise<StoredEndpoint | undefined> {
  const { rows } = await q.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [id, tenantId]);
  return rows[0] && toEndpoint(rows[0]);
}

/** An endpoint by id alone, for the delivery worker (its rows carry the tenant already). */
export async function findEndpointById(q: Queryable, id: string): Promise<StoredEndpoint | undefined> {
  const { rows } = await q.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id]);
  return rows[0] && toEndpoint(rows[0]);
}

/** The tenant's endpoints, oldest first. */
export async function listEndpoints(q: Queryable, tenantId: string): Promise<StoredEndpoint[]> {
  const { rows } = await q.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId]);
  return rows.map(toEndpoint);
}

/** An enabled endpoint and the event types it hears (`*`: all). */
export interface EndpointSubscription {
  id: string;
  events: string[];
}

/** The tenant's enabled endpoints with what each subscribes to, oldest first. */
export async function enabledEndpoints(q: Queryable, tenantId: string): Promise<EndpointSubscription[]> {
  const { rows } = await q.query<EndpointSubscription>(
    `SELECT id, events FROM webhook_endpoints WHERE tenant_id = $1 AND status = 'enabled' ORDER BY created_at, id`,
    [tenantId],
  );
  return rows;
}

export async function deleteEndpoint(tx: Queryable, tenantId: string, id: string): Promise<boolean> {
  const result = await tx.query('DELETE FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
  return result.rowCount === 1;
}

/** Replaces the secret; the one it replaces keeps signing until `previousExpiresAt`. */
export async function replaceSecret(
  tx: Queryable,
  id: string,
  change: { secret: SealedSecret; previous: SealedSecret; previousExpiresAt: Date; now: Date },
): Promise<StoredEndpoint> {
  const { rows } = await tx.query<EndpointRow>(
    `UPDATE webhook_endpoints
        SET secret_sealed = $2, secret_key_id = $3, previous_secret_sealed = $4, previous_key_id = $5,
            previous_expires_at = $6, updated_at = $7
      WHERE id = $1 RETURNING *`,
    [id, change.secret.ciphertext, change.secret.keyId, change.previous.ciphertext, change.previous.keyId, change.previousExpiresAt, change.now],
  );
  return toEndpoint(rows[0]!);
}

/** Disables an enabled endpoint; false when it was already disabled or is gone. */
export async function disableEndpoint(tx: Queryable, id: string, reason: string, now: Date): Promise<boolean> {
  const result = await tx.query(
    `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, disabled_at = $3, updated_at = $3
      WHERE id = $1 AND status = 'enabled'`,
    [id, reason, now],
  );
  return result.rowCount === 1;
}

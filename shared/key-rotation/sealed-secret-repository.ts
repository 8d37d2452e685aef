import type { Queryable } from '../db/database.ts';
import type { SealedSecret } from '../otp/index.ts';

/** The tables holding sealed method secrets: enrolled authenticators and live exchanges. */
export type SealedTable = 'authenticators' | 'exchanges';

/** A row whose secret is sealed under a key other than the active one. */
export interface SealedRow {
  /** `ph_id` of an authenticator, `status_id` of an exchange. */
  id: string;
  tenantId: string;
  sub: string;
  sealed: SealedSecret;
}

// Table and key column names are fixed here, never taken from input.
const ID_COLUMN: Record<SealedTable, string> = { authenticators: 'ph_id', exchanges: 'status_id' };

/**
 * Up to `limit` rows of `table` sealed under another key than `activeKeyId`, in id order after
 * `afterId` (keyset paging: a row that cannot be resealed is passed over, not read again).
 * Exchanges only hold a secret while live, so ended ones never appear.
 */
export async function findSealedUnderOtherKeys(
  q: Queryable,
  table: SealedTable,
  activeKeyId: string,
  afterId: string | null,
  limit: number,
): Promise<SealedRow[]> {
  const id = ID_COLUMN[table];
  const { rows } = await q.query<{ id: string; tenant_id: string; sub: string; secret_ciphertext: Buffer; secret_key_id: string }>(
    `SELECT ${id}::text AS id, tenant_id, sub, secret_ciphertext, secret_key_id FROM ${table}
     WHERE secret_key_id IS NOT NULL AND secret_key_id <> $1 AND ($2::uuid IS NULL OR ${id} > $2::uuid)
     ORDER BY ${id} LIMIT $3`,
    [activeKeyId, afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, sub: r.sub, sealed: { ciphertext: r.secret_ciphertext, keyId: r.secret_key_id } }));
}

/**
 * Replaces a row's sealed secret only if it still holds exactly `from`: a row resealed, rotated,
 * completed or deleted meanwhile is left as it is, so a race never loses a newer secret.
 *
 * @returns whether the row was changed.
 */
export async function replaceSealedSecret(q: Queryable, table: SealedTable, id: string, from: SealedSecret, to: SealedSecret): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE ${table} SET secret_ciphertext = $4, secret_key_id = $5
     WHERE ${ID_COLUMN[table]} = $1 AND secret_key_id = $2 AND secret_ciphertext = $3`,
    [id, from.keyId, from.ciphertext, to.ciphertext, to.keyId],
  );
  return (rowCount ?? 0) > 0;
}

/** How many rows of `table` each non-active key still seals. */
export async function countSealedByOtherKeys(q: Queryable, table: SealedTable, activeKeyId: string): Promise<Record<string, number>> {
  const { rows } = await q.query<{ key_id: string; n: number }>(
    `SELECT secret_key_id AS key_id, count(*)::int AS n FROM ${table}
     WHERE secret_key_id IS NOT NULL AND secret_key_id <> $1 GROUP BY secret_key_id ORDER BY secret_key_id`,
    [activeKeyId],
  );
  return Object.fromEntries(rows.map((r) => [r.key_id, r.n]));
}

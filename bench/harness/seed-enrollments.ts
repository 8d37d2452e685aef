import type { BenchEnvironment } from './environment.ts';

/**
 * Inserts `count` live TOTP enrollments of `tenantId` straight into the table and returns their
 * status ids: setup for scenarios that watch many exchanges (through the API it would take minutes).
 */
export async function seedEnrollments(bench: BenchEnvironment, tenantId: string, count: number): Promise<string[]> {
  const db = bench.deps.db;
  await db.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING', [tenantId]);
  const { rows } = await db.query<{ status_id: string }>(
    `INSERT INTO exchanges (status_id, exchange_id, kind, tenant_id, sub, verification_type, status, authenticator_client_id,
       secret_ciphertext, secret_key_id, method_state, max_attempts, expires_at, created_at, updated_at, version, stepped_up)
     SELECT gen_random_uuid(), gen_random_uuid(), 'enrollment', $2, 'bench-user-' || n, 'TOTP', 'INITIATED', gen_random_uuid(),
       '\\x00'::bytea, 'k1', '{"algorithm": "SHA1", "digits": 6, "period": 30, "window": 1}', 5, now() + interval '1 hour', now(), now(), 1, false
     FROM generate_series(1, $1::int) AS n
     RETURNING status_id`,
    [count, tenantId],
  );
  return rows.map((r) => r.status_id);
}

import { randomUUID } from 'node:crypto';
import type { Database } from '../../shared/db/database.ts';
import { buildOtpauthUri, generateCode, renderQr } from '../../shared/otp/index.ts';
import type { AppRouter } from '../../shared/http/types.ts';

const TENANT = 'bench-floor';
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const AUDIT_COLUMNS = 'id, tenant_id, at, sub, actor, event, type, ph_id, status_id, outcome, details, canonical_head, canonical_tail';

/** The extended otpauth URI the service would put in the QR code (same parameters, same length). */
function floorUri(sub: string, secret: string, exchangeId: string): string {
  return buildOtpauthUri({
    secret, issuer: TENANT, accountName: sub, algorithm: 'SHA1', digits: 6, period: 30, type: 'totp', displayName: sub,
    tenantKey: TENANT, sub, clientId: exchangeId, baseUrl: 'http://127.0.0.1:8080', exchangeId,
  });
}

async function readJson(req: AsyncIterable<Buffer | string>): Promise<Record<string, string>> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return JSON.parse(raw) as Record<string, string>;
}

/**
 * The floor of an enrollment (initiate + profile verification) as this design defines it, in
 * as few statements as SQL allows and with no application code beyond the code check: each half
 * is one transaction whose every guarantee the service keeps too — the initiation counted
 * against a shared rate limit, the user's factors counted under the user's lock (step-up and
 * device limit), the exchange stored with its NOTIFY and its audit row; the completion locks
 * the exchange (and the user), checks the code, adds the authenticator, moves the exchange to
 * ENROLLED with its NOTIFY and writes both audit rows. With a lock taken and then a count that
 * must see what the lock protects, neither half can be fewer than BEGIN + 2 statements + COMMIT
 * (a statement's snapshot is taken before it waits for a lock inside it). No token check, no
 * encryption, no QR code (unless asked with `?qr=png`: the image the service's initiation
 * returns by default), no HTTP framing beyond the bare Koa pair's.
 */
export async function defineEnrollmentFloor(db: Database, router: AppRouter): Promise<void> {
  await db.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [TENANT]);

  router.post('/floor/initiate', async (ctx) => {
    const sub = `floor-${randomUUID()}`;
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const now = new Date();
    const row = await db.transaction(async (tx) => {
      await tx.query(
        `WITH hit AS (
           INSERT INTO rate_limit_windows AS w (key, window_start, window_end, hits) VALUES ($1, $2, $3, 1)
           ON CONFLICT (key, window_start) DO UPDATE SET hits = w.hits + 1 WHERE w.hits < 1000000 RETURNING hits)
         SELECT hits, pg_advisory_xact_lock(hashtextextended($4, 0)) FROM hit`,
        [`floor:${sub}`, now, new Date(now.getTime() + 60_000), `${TENANT}:${sub}`],
      );
      const { rows } = await tx.query<{ exchange_id: string }>(
        `WITH counts AS (SELECT count(*)::int AS total FROM authenticators WHERE tenant_id = $1 AND sub = $2),
         created AS (
           INSERT INTO exchanges (status_id, exchange_id, kind, tenant_id, sub, verification_type, status, authenticator_client_id,
             secret_ciphertext, secret_key_id, max_attempts, stepped_up, expires_at, created_at, updated_at)
           SELECT $3, $4, 'enrollment', $1, $2, 'TOTP', 'INITIATED', $5, convert_to($6, 'UTF8'), 'k1', 5, false, $7, $8, $8
           FROM counts WHERE total < 5 RETURNING *),
         audited AS (
           INSERT INTO audit_pending (${AUDIT_COLUMNS})
           SELECT $9, $1, $8, $2, $2, 'enrollment.initiated', 'TOTP', NULL, status_id::text, 'success', '{}'::jsonb, 'head', 'tail' FROM created)
         SELECT exchange_id, pg_notify('verification_status', json_build_object('id', status_id, 'status', status, 'version', version)::text)
         FROM created`,
        [TENANT, sub, randomUUID(), randomUUID(), randomUUID(), secret, new Date(now.getTime() + 300_000), now, randomUUID()],
      );
      return rows[0]!;
    });
    const qr = ctx.query.qr === 'png' ? { qr_code: renderQr(floorUri(sub, secret, row.exchange_id), 'png') } : {};
    ctx.body = { exchange_id: row.exchange_id, secret, ...qr };
  });

  router.post('/floor/complete', async (ctx) => {
    const { exchange_id: exchangeId, pass_code: passCode } = await readJson(ctx.req);
    const now = new Date();
    const done = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status_id: string; sub: string; secret: string }>(
        `SELECT status_id, sub, convert_from(secret_ciphertext, 'UTF8') AS secret, pg_advisory_xact_lock(hashtextextended(tenant_id || ':' || sub, 0))
         FROM exchanges WHERE exchange_id = $1 AND kind = 'enrollment' AND status = 'INITIATED' FOR UPDATE`,
        [exchangeId],
      );
      const enrollment = rows[0];
      if (!enrollment || generateCode(enrollment.secret, PARAMS, now.getTime()) !== passCode) return false;
      const { rowCount } = await tx.query(
        `WITH counts AS (SELECT count(*)::int AS of_type FROM authenticators WHERE tenant_id = $1 AND sub = $2 AND verification_type = 'TOTP'),
         added AS (
           INSERT INTO authenticators (ph_id, tenant_id, sub, verification_type, enrollment_status_id, secret_ciphertext, secret_key_id, created_at)
           SELECT $3, $1, $2, 'TOTP', $4, convert_to($5, 'UTF8'), 'k1', $6 FROM counts WHERE of_type < 5 RETURNING ph_id),
         moved AS (
           UPDATE exchanges SET status = 'ENROLLED', updated_at = $6, version = version + 1, secret_ciphertext = NULL, secret_key_id = NULL, ph_id = $3
           WHERE status_id = $4 AND EXISTS (SELECT 1 FROM added) RETURNING *),
         audited AS (
           INSERT INTO audit_pending (${AUDIT_COLUMNS})
           SELECT $7::uuid, $1, $6::timestamptz, $2, $2, 'enrollment.verified', 'TOTP', ph_id::text, status_id::text, 'success', '{}'::jsonb, 'head', 'tail' FROM moved
           UNION ALL
           SELECT $8::uuid, $1, $6::timestamptz, $2, $2, 'factor.added', 'TOTP', ph_id::text, status_id::text, 'success', '{}'::jsonb, 'head', 'tail' FROM moved)
         SELECT pg_notify('verification_status', json_build_object('id', status_id, 'status', status, 'version', version)::text) FROM moved`,
        [TENANT, enrollment.sub, randomUUID(), enrollment.status_id, enrollment.secret, now, randomUUID(), randomUUID()],
      );
      return rowCount === 1;
    });
    ctx.status = done ? 200 : 400;
    ctx.body = { ok: done };
  });
}

import type { Database } from '../db/database.ts';
import type { ResealCounts } from '../key-rotation/reseal.ts';
import { openSecret, sealSecret, type SealedSecret, type SecretKeyring } from '../otp/secret-box.ts';
import { secretBinding } from './webhook-context.ts';

interface SealedEndpointRow {
  id: string;
  secret_sealed: Buffer;
  secret_key_id: string;
  previous_secret_sealed: Buffer | null;
  previous_key_id: string | null;
}

/** The same secret sealed under the active key, or undefined when it already is. */
function resealed(keyring: SecretKeyring, sealed: SealedSecret, binding: string): SealedSecret | undefined {
  if (sealed.keyId === keyring.activeKeyId) return undefined;
  return sealSecret(keyring, openSecret(keyring, sealed, binding), binding);
}

/**
 * Re-seals webhook endpoint secrets (the current one and a rotation's previous one) still
 * sealed under an old key with the active key, in batches; `npm run reseal` runs it next to
 * the TOTP secrets, so an old key is reported free only when no endpoint needs it either.
 * A row changed meanwhile (rotated, deleted) is left as it is.
 */
export async function resealWebhookSecrets(db: Database, keyring: SecretKeyring, options: { batchSize?: number; onUnreadable?: (id: string, err: unknown) => void } = {}): Promise<ResealCounts & { unreadableIds: string[] }> {
  const counts: ResealCounts & { unreadableIds: string[] } = { resealed: 0, changedMeanwhile: 0, unreadable: 0, remaining: {}, unreadableIds: [] };
  const batchSize = options.batchSize ?? 200;
  const active = keyring.activeKeyId;
  let after: string | null = null;
  for (;;) {
    const last: string | null = await db.transaction(async (tx) => {
      const { rows } = await tx.query<SealedEndpointRow>(
        `SELECT id, secret_sealed, secret_key_id, previous_secret_sealed, previous_key_id FROM webhook_endpoints
          WHERE (secret_key_id <> $1 OR previous_key_id <> $1) AND ($2::uuid IS NULL OR id > $2::uuid)
          ORDER BY id LIMIT $3`,
        [active, after, batchSize],
      );
      for (const row of rows) {
        const binding = secretBinding(row.id);
        let current: SealedSecret | undefined;
        let previous: SealedSecret | undefined;
        try {
          current = resealed(keyring, { keyId: row.secret_key_id, ciphertext: row.secret_sealed }, binding);
          previous = row.previous_secret_sealed && row.previous_key_id ? resealed(keyring, { keyId: row.previous_key_id, ciphertext: row.previous_secret_sealed }, binding) : undefined;
        } catch (err) {
          counts.unreadable++;
          counts.unreadableIds.push(row.id);
          options.onUnreadable?.(row.id, err);
          continue;
        }
        const changed = await tx.query(
          `UPDATE webhook_endpoints
              SET secret_sealed = $4, secret_key_id = $5, previous_secret_sealed = $6, previous_key_id = $7
            WHERE id = $1 AND secret_sealed = $2 AND previous_secret_sealed IS NOT DISTINCT FROM $3`,
          [
            row.id,
            row.secret_sealed,
            row.previous_secret_sealed,
            current?.ciphertext ?? row.secret_sealed,
            current?.keyId ?? row.secret_key_id,
            previous?.ciphertext ?? row.previous_secret_sealed,
            previous?.keyId ?? row.previous_key_id,
          ],
        );
        if (changed.rowCount === 1) counts.resealed++;
        else counts.changedMeanwhile++;
      }
      return rows.length === batchSize ? rows[rows.length - 1]!.id : null;
    });
    if (last === null) break;
    after = last;
  }
  const { rows } = await db.query<{ key_id: string; n: number }>(
    `SELECT key_id, count(*)::int AS n FROM (
       SELECT secret_key_id AS key_id FROM webhook_endpoints
       UNION ALL SELECT previous_key_id FROM webhook_endpoints WHERE previous_key_id IS NOT NULL
     ) keys WHERE key_id <> $1 GROUP BY key_id ORDER BY key_id`,
    [active],
  );
  counts.remaining = Object.fromEntries(rows.map((r) => [r.key_id, r.n]));
  return counts;
}

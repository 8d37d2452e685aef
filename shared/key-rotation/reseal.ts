import type { Database } from '../db/database.ts';
import { openSecret, sealSecret, type SecretKeyring } from '../otp/index.ts';
import { secretBinding } from '../authenticators/secret-binding.ts';
import { countSealedByOtherKeys, findSealedUnderOtherKeys, replaceSealedSecret, type SealedTable } from './sealed-secret-repository.ts';

/** What one table's pass did. */
export interface ResealCounts {
  /** Now sealed under the active key. */
  resealed: number;
  /** Changed by someone else between read and write (used, rotated, completed, deleted): left alone. */
  changedMeanwhile: number;
  /** Could not be opened with any key in the keyring (key missing or ciphertext damaged). */
  unreadable: number;
  /** Rows still sealed under each old key after the pass. */
  remaining: Record<string, number>;
}

export interface ResealReport {
  activeKeyId: string;
  authenticators: ResealCounts;
  exchanges: ResealCounts;
  /** Ids of unreadable rows (not secret), so the operator can look at them. */
  unreadableIds: string[];
}

export interface ResealOptions {
  /** Rows read and rewritten per transaction. */
  batchSize?: number;
  /** Told about each row that cannot be opened. */
  onUnreadable?: (table: SealedTable, id: string, err: unknown) => void;
}

const DEFAULT_BATCH = 200;

async function resealTable(db: Database, table: SealedTable, keyring: SecretKeyring, options: ResealOptions, unreadableIds: string[]): Promise<ResealCounts> {
  const counts: ResealCounts = { resealed: 0, changedMeanwhile: 0, unreadable: 0, remaining: {} };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let after: string | null = null;
  for (;;) {
    // One short transaction per batch: sign-ins of these users wait at most one batch.
    const last: string | null = await db.transaction(async (tx) => {
      const rows = await findSealedUnderOtherKeys(tx, table, keyring.activeKeyId, after, batchSize);
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = openSecret(keyring, row.sealed, secretBinding(row.tenantId, row.sub));
        } catch (err) {
          counts.unreadable++;
          unreadableIds.push(row.id);
          options.onUnreadable?.(table, row.id, err);
          continue;
        }
        const fresh = sealSecret(keyring, plaintext, secretBinding(row.tenantId, row.sub));
        if (await replaceSealedSecret(tx, table, row.id, row.sealed, fresh)) counts.resealed++;
        else counts.changedMeanwhile++;
      }
      return rows.length === batchSize ? rows[rows.length - 1]!.id : null;
    });
    if (last === null) break;
    after = last;
  }
  counts.remaining = await countSealedByOtherKeys(db, table, keyring.activeKeyId);
  return counts;
}

/**
 * Re-seals every authenticator and live exchange still sealed under an old key with the
 * active key, in batches. Idempotent: a second run finds nothing to do. Once `remaining` is
 * empty for both tables, the old keys can be removed from `PREVIOUS_SECRET_KEYS`.
 */
export async function resealAll(db: Database, keyring: SecretKeyring, options: ResealOptions = {}): Promise<ResealReport> {
  const unreadableIds: string[] = [];
  const authenticators = await resealTable(db, 'authenticators', keyring, options, unreadableIds);
  const exchanges = await resealTable(db, 'exchanges', keyring, options, unreadableIds);
  return { activeKeyId: keyring.activeKeyId, authenticators, exchanges, unreadableIds };
}

import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../../shared/db/database.ts';
import { MAX_FAILED_ATTEMPTS, type Exchange } from '../../shared/exchanges/exchange.ts';
import { insertExchange, type NewExchangeRow } from '../../shared/exchanges/exchange-repository.ts';
import { toVersionedStatus } from '../../shared/exchanges/status-document.ts';
import { publishStatus } from '../../shared/events/status-events.ts';
import { ensureTenant } from '../../shared/tenants/method-config-repository.ts';

/** An INITIATED TOTP enrollment row with the given status id, as an initiation would write it. */
export function enrollmentRow(statusId: string, now: Date): NewExchangeRow {
  return {
    kind: 'enrollment',
    statusId,
    exchangeId: randomUUID(),
    tenantId: 'default',
    sub: `user-${randomUUID()}`,
    verificationType: 'TOTP',
    status: 'INITIATED',
    authenticatorClientId: randomUUID(),
    // Never opened: status reads do not decrypt.
    secret: { ciphertext: randomBytes(48), keyId: 'k1' },
    methodState: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
    deviceId: null,
    pushId: null,
    publicKey: null,
    phId: null,
    steppedUp: false,
    failedAttempts: 0,
    maxAttempts: MAX_FAILED_ATTEMPTS,
    expiresAt: new Date(now.getTime() + 600_000),
    createdAt: now,
  };
}

/**
 * Creates an INITIATED enrollment whose status id the test chose, committed and announced
 * exactly as an initiation does (insert and NOTIFY in one transaction). The initiation API
 * picks ids itself; tests of "looked up before it existed" need to know the id first.
 */
export async function createAnnouncedEnrollment(db: Database, statusId: string, now: Date): Promise<Exchange> {
  return db.transaction(async (tx) => {
    await ensureTenant(tx, 'default');
    const created = await insertExchange(tx, enrollmentRow(statusId, now));
    await publishStatus(tx, toVersionedStatus(created));
    return created;
  });
}

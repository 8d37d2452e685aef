import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../../shared/db/database.ts';
import { MAX_ENROLLMENT_ATTEMPTS, type Enrollment } from '../../shared/enrollment/enrollment.ts';
import { insertEnrollment } from '../../shared/enrollment/enrollment-repository.ts';
import { toVersionedStatus } from '../../shared/enrollment/status-document.ts';
import { publishStatus } from '../../shared/events/status-events.ts';
import { ensureTenant } from '../../shared/tenants/method-config-repository.ts';

/**
 * Creates an INITIATED enrollment whose status id the test chose, committed and announced
 * exactly as an initiation does (insert and NOTIFY in one transaction). The initiation API
 * picks ids itself; tests of "looked up before it existed" need to know the id first.
 */
export async function createAnnouncedEnrollment(db: Database, statusId: string, now: Date): Promise<Enrollment> {
  const enrollment: Enrollment = {
    statusId,
    exchangeId: randomUUID(),
    tenantId: 'default',
    sub: `user-${randomUUID()}`,
    verificationType: 'TOTP',
    status: 'INITIATED',
    authenticatorClientId: randomUUID(),
    // Never opened: status reads do not decrypt.
    secret: { ciphertext: randomBytes(48), keyId: 'k1' },
    params: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
    deviceId: null,
    pushId: null,
    publicKey: null,
    phId: null,
    steppedUp: false,
    failedAttempts: 0,
    maxAttempts: MAX_ENROLLMENT_ATTEMPTS,
    expiresAt: new Date(now.getTime() + 600_000),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await db.transaction(async (tx) => {
    await ensureTenant(tx, enrollment.tenantId);
    await insertEnrollment(tx, enrollment);
    await publishStatus(tx, toVersionedStatus(enrollment));
  });
  return enrollment;
}

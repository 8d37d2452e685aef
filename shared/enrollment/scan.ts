import type { Database } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { lockForEvent, transition } from './exchange-access.ts';
import { failAfterCommit, runOutcome, succeed } from './outcome.ts';
import { findByExchangeId } from './enrollment-repository.ts';

export interface ScanRequest {
  exchangeId: string;
  clientId: string;
  deviceId: string;
  pushId?: string;
  now: Date;
}

export interface ScanResult {
  status: 'SCANNED';
  exchange_id: string;
  expires_at: string;
}

/**
 * The authenticator app read the QR code: binds the device to the enrollment. Repeating the
 * scan from the same device is harmless (apps retry on a flaky network); another device is refused.
 */
export async function recordScan(db: Database, req: ScanRequest): Promise<ScanResult> {
  return runOutcome(db, async (tx) => {
    const current = await findByExchangeId(tx, req.exchangeId, true);
    if (current?.status === 'SCANNED' && current.expiresAt > req.now) {
      if (current.authenticatorClientId !== req.clientId) return failAfterCommit(new VerificationError('CLIENT_MISMATCH'));
      if (current.deviceId !== req.deviceId) return failAfterCommit(new VerificationError('ENROLLMENT_ALREADY_SCANNED'));
      return succeed({ status: 'SCANNED', exchange_id: current.exchangeId, expires_at: current.expiresAt.toISOString() });
    }
    const locked = await lockForEvent(tx, req.exchangeId, 'scan', req.now);
    if (!locked.ok) return locked;
    if (locked.value.authenticatorClientId !== req.clientId) return failAfterCommit(new VerificationError('CLIENT_MISMATCH'));
    const scanned = await transition(tx, locked.value, 'scan', req.now, { deviceId: req.deviceId, pushId: req.pushId ?? null });
    return succeed({ status: 'SCANNED', exchange_id: scanned.exchangeId, expires_at: scanned.expiresAt.toISOString() });
  });
}

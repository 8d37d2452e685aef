import { z } from 'zod';
import { failAfterCommit, runOutcome, succeed } from '../../db/outcome.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import { lockForEvent, transition } from '../../exchanges/exchange-access.ts';
import { findByExchangeId } from '../../exchanges/exchange-repository.ts';
import { defineOperation, type AppContext, type ScanResult } from '../method-module.ts';
import { appFields } from './app-fields.ts';

interface ScanRequest {
  exchangeId: string;
  clientId: string;
  deviceId: string;
  pushId?: string;
}

/**
 * The authenticator app read the QR code: binds the device to the enrollment. Repeating the
 * scan from the same device is harmless (apps retry on a flaky network); another device is refused.
 *
 * @throws VerificationError ENROLLMENT_NOT_FOUND, CLIENT_MISMATCH, ENROLLMENT_ALREADY_SCANNED, or the 409 of a finished enrollment
 */
function recordScan(ctx: AppContext, req: ScanRequest): Promise<ScanResult> {
  const ref = { kind: 'enrollment', type: ctx.type, exchangeId: req.exchangeId } as const;
  return runOutcome(ctx.deps.db, async (tx) => {
    const current = await findByExchangeId(tx, ref, true);
    if (current?.status === 'SCANNED' && current.expiresAt > ctx.now) {
      if (current.authenticatorClientId !== req.clientId) return failAfterCommit(new VerificationError('CLIENT_MISMATCH'));
      if (current.deviceId !== req.deviceId) return failAfterCommit(new VerificationError('ENROLLMENT_ALREADY_SCANNED'));
      return succeed({ status: 'SCANNED', exchange_id: current.exchangeId, expires_at: current.expiresAt.toISOString() });
    }
    const locked = await lockForEvent(tx, ref, 'scan', ctx);
    if (!locked.ok) return locked;
    if (locked.value.authenticatorClientId !== req.clientId) return failAfterCommit(new VerificationError('CLIENT_MISMATCH'));
    const scanned = await transition(tx, locked.value, 'scan', ctx, { deviceId: req.deviceId, pushId: req.pushId ?? null });
    return succeed({ status: 'SCANNED', exchange_id: scanned.exchangeId, expires_at: scanned.expiresAt.toISOString() });
  });
}

/** `{exchange_id, client_id, device_id, push_id?}`: what every QR-code method's app sends to scan. */
const scanBody = z.object(appFields).strict();

/**
 * The scan operation of a method whose enrollment a companion app scans (TOTP, PUSH): declare
 * it as the module's `enrollment.scan` (its body is documented as `ScanRequest`).
 */
export const scanOperation = defineOperation('ScanRequest', scanBody, (ctx: AppContext, body) =>
  recordScan(ctx, { exchangeId: body.exchange_id, clientId: body.client_id, deviceId: body.device_id, pushId: body.push_id }),
);

import { v4 as uuidv4 } from 'uuid';
import type { Queryable } from '../db/database.ts';
import type { JsonObject } from '../db/json.ts';
import type { SealedSecret } from '../otp/secret-box.ts';
import type { VerificationType } from '../tenants/verification-type.ts';
import { MAX_FAILED_ATTEMPTS, type Exchange, type ExchangeKind } from './exchange.ts';
import { statusNotification } from '../events/status-events.ts';
import { announceTransition, type TransitionContext } from './exchange-access.ts';
import { insertExchange, type NewExchangeRow } from './exchange-repository.ts';
import { toVersionedStatus } from './status-document.ts';

export interface NewExchange<K extends ExchangeKind> {
  kind: K;
  tenantId: string;
  sub: string;
  type: VerificationType;
  /** Seconds until the exchange lapses (the expiry rule). */
  lifetimeSeconds: number;
  authenticatorClientId?: string | null;
  secret?: SealedSecret | null;
  methodState?: JsonObject;
  steppedUp?: boolean;
  /** The authenticator a challenge is for, when the method picks one at initiation. */
  phId?: string | null;
  maxAttempts?: number;
  /** The exchange id, when the method must know it before the exchange exists (a code MACed with it); a fresh one otherwise. */
  exchangeId?: string;
}

/**
 * Creates an exchange, INITIATED, with a fresh status id (for watching) and exchange id (for
 * acting on it), and announces and records it in the same transaction (announceTransition):
 * every status creation must publish, so the unknown-status cache of every instance forgets
 * the id at once, and is the first transition of the exchange's record.
 */
export async function createExchange<K extends ExchangeKind>(tx: Queryable, at: TransitionContext, input: NewExchange<K>): Promise<Exchange<K>> {
  const now = at.now;
  const row: NewExchangeRow = {
    kind: input.kind,
    statusId: uuidv4(),
    exchangeId: input.exchangeId ?? uuidv4(),
    tenantId: input.tenantId,
    sub: input.sub,
    verificationType: input.type,
    status: 'INITIATED',
    authenticatorClientId: input.authenticatorClientId ?? null,
    secret: input.secret ?? null,
    methodState: input.methodState ?? {},
    deviceId: null,
    pushId: null,
    publicKey: null,
    phId: input.phId ?? null,
    failedAttempts: 0,
    maxAttempts: input.maxAttempts ?? MAX_FAILED_ATTEMPTS,
    steppedUp: input.steppedUp ?? false,
    expiresAt: new Date(now.getTime() + input.lifetimeSeconds * 1000),
    createdAt: now,
  };
  // The announcement is sent by the INSERT itself (every value of a new row is known before it
  // is written: version 1, updated when created).
  const announced = toVersionedStatus({ ...row, version: 1, updatedAt: now });
  const created = (await insertExchange(tx, row, statusNotification(announced))) as Exchange<K>;
  await announceTransition(tx, created, 'create', at, { published: true });
  return created;
}

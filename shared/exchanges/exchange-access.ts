import type { Queryable } from '../db/database.ts';
import { failAfterCommit, succeed, type Outcome } from '../db/outcome.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { publishStatus } from '../events/status-events.ts';
import { hasLapsed } from '../status/status-document.ts';
import type { Exchange, ExchangeKind, ExchangeRef, Owner } from './exchange.ts';
import { applyTransition, findByExchangeId, isRetiredExchange, type TransitionChanges } from './exchange-repository.ts';
import { canApply, expiredRefusal, notFoundRefusal, refusal, type ExchangeEvent } from './state-machine.ts';
import { toVersionedStatus } from './status-document.ts';

/**
 * Applies `event` if the exchange still allows it and announces the new status in the same
 * transaction, so the NOTIFY is sent exactly when the change commits.
 *
 * @returns the updated exchange, or undefined when another change won.
 */
export async function applyAndAnnounce<K extends ExchangeKind>(
  tx: Queryable,
  kind: K,
  statusId: string,
  event: ExchangeEvent<K>,
  now: Date,
  changes?: TransitionChanges,
): Promise<Exchange<K> | undefined> {
  const updated = await applyTransition(tx, kind, statusId, event, now, changes);
  if (updated) await publishStatus(tx, toVersionedStatus(updated));
  return updated;
}

/** Like applyAndAnnounce for an exchange the caller's transaction has locked; refused if it cannot apply. */
export async function transition<K extends ExchangeKind>(
  tx: Queryable,
  exchange: Exchange<K>,
  event: ExchangeEvent<K>,
  now: Date,
  changes?: TransitionChanges,
): Promise<Exchange<K>> {
  const updated = await applyAndAnnounce(tx, exchange.kind, exchange.statusId, event, now, changes);
  if (!updated) throw refusal(exchange.kind, event, exchange.status);
  return updated;
}

/**
 * Locks the exchange an exchange id names, ready for `event`. An exchange whose lifetime has
 * ended is moved to EXPIRED on the spot (committed) and refused; one belonging to another user
 * (or tenant), or of another kind or method, is reported as unknown, so exchange ids cannot be
 * probed across users.
 */
export async function lockForEvent<K extends ExchangeKind>(
  tx: Queryable,
  ref: ExchangeRef<K>,
  event: ExchangeEvent<K>,
  now: Date,
  owner?: Owner,
): Promise<Outcome<Exchange<K>>> {
  const exchange = await findByExchangeId(tx, ref, true);
  if (!exchange || (owner && (exchange.tenantId !== owner.tenantId || exchange.sub !== owner.sub))) {
    if (!exchange && ref.kind === 'enrollment' && (await isRetiredExchange(tx, ref.exchangeId))) {
      return failAfterCommit(new VerificationError('EXCHANGE_REPLACED'));
    }
    return failAfterCommit(notFoundRefusal(ref.kind));
  }
  if (hasLapsed(exchange.status, exchange.expiresAt, now)) {
    await transition(tx, exchange, 'expire' as ExchangeEvent<K>, now);
    return failAfterCommit(expiredRefusal(ref.kind));
  }
  if (!canApply(ref.kind, event, exchange.status)) return failAfterCommit(refusal(ref.kind, event, exchange.status));
  return succeed(exchange);
}

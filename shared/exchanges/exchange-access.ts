import type { Queryable } from '../db/database.ts';
import { failAfterCommit, succeed, type Outcome } from '../db/outcome.ts';
import { VerificationError } from '../errors/verification-error.ts';
import { publishStatus, statusNotification } from '../events/status-events.ts';
import type { SecurityEvent, SecurityEventRecorder } from '../security-events/index.ts';
import { hasLapsed } from '../status/status-document.ts';
import type { Exchange, ExchangeKind, ExchangeRef, Owner } from './exchange.ts';
import { applyAnnouncedTransition, applyTransition, findByExchangeId, isRetiredExchange, type TransitionChanges } from './exchange-repository.ts';
import { canApply, expiredRefusal, notFoundRefusal, refusal, transitionOf, type ExchangeEvent } from './state-machine.ts';
import { toVersionedStatus } from './status-document.ts';
import { transitionEvent, type Cause } from './transition-events.ts';

/**
 * When a transition happens and where it is recorded: the request's clock and security-event
 * recorder (an OperationContext is one), or the deps' own for background work (the sweep).
 */
export interface TransitionContext {
  readonly now: Date;
  readonly events: SecurityEventRecorder;
}

/** How a status change was already announced, and what else the change records. */
interface Announcing {
  /** The statement that wrote the change also sent its NOTIFY (an INSERT or UPDATE that carries it). */
  published?: boolean;
  /** Other events of the same change, recorded with the transition's (one audit statement for all). */
  alsoRecord?: readonly SecurityEvent[];
}

/**
 * What every status change of an exchange (its creation included) does in the transaction
 * that makes it: announce the new status (the NOTIFY is sent exactly when the change commits),
 * unless the writing statement already sent it, and record the transition as one security
 * event (audit trail and webhooks commit with it). Every path that changes a status comes
 * through here, so none can forget either.
 */
export async function announceTransition<K extends ExchangeKind>(
  tx: Queryable,
  exchange: Exchange<K>,
  cause: Cause<K>,
  at: TransitionContext,
  { published = false, alsoRecord = [] }: Announcing = {},
): Promise<void> {
  if (!published) await publishStatus(tx, toVersionedStatus(exchange));
  await at.events.record(tx, transitionEvent(exchange, cause), ...alsoRecord);
}

/**
 * Applies `event` if the exchange still allows it, then announces and records it
 * (announceTransition).
 *
 * @returns the updated exchange, or undefined when another change won (nothing recorded).
 */
export async function applyAndAnnounce<K extends ExchangeKind>(
  tx: Queryable,
  kind: K,
  statusId: string,
  event: ExchangeEvent<K>,
  at: TransitionContext,
  changes?: TransitionChanges,
): Promise<Exchange<K> | undefined> {
  const updated = await applyTransition(tx, kind, statusId, event, at.now, changes);
  if (updated) await announceTransition(tx, updated, event, at);
  return updated;
}

/**
 * The row `exchange` becomes by `event` at `now` with `changes`, as applyTransition writes it,
 * computed from the copy the caller holds (all but what the document does not show).
 */
function expectedAfter<K extends ExchangeKind>(exchange: Exchange<K>, event: ExchangeEvent<K>, now: Date, changes: TransitionChanges): Exchange<K> {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<Exchange<K>>;
  const status = transitionOf(exchange.kind, event).to as Exchange<K>['status'];
  return { ...exchange, ...defined, status, updatedAt: now, version: exchange.version + 1 };
}

/**
 * Like applyAndAnnounce (announced and recorded) for an exchange the caller's transaction has
 * locked; refused if it cannot apply. The row being locked, its new version is known before it
 * is written, so the NOTIFY rides in the UPDATE itself; should the caller's copy have been
 * stale, the statement sends nothing and the row as written is announced on its own.
 */
export async function transition<K extends ExchangeKind>(
  tx: Queryable,
  exchange: Exchange<K>,
  event: ExchangeEvent<K>,
  at: TransitionContext,
  changes: TransitionChanges = {},
  alsoRecord: readonly SecurityEvent[] = [],
): Promise<Exchange<K>> {
  const expected = expectedAfter(exchange, event, at.now, changes);
  const announcement = {
    ...statusNotification(toVersionedStatus(expected)),
    version: expected.version,
    expiresAt: expected.expiresAt,
    phId: expected.phId,
    deviceId: expected.deviceId,
    delivery: expected.methodState.delivery ?? null,
  };
  const applied = await applyAnnouncedTransition(tx, exchange.kind, exchange.statusId, event, at.now, changes, announcement);
  if (!applied) throw refusal(exchange.kind, event, exchange.status);
  await announceTransition(tx, applied.exchange, event, at, { published: applied.announced, alsoRecord });
  return applied.exchange;
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
  at: TransitionContext,
  owner?: Owner,
): Promise<Outcome<Exchange<K>>> {
  const exchange = await findByExchangeId(tx, ref, true);
  if (!exchange || (owner && (exchange.tenantId !== owner.tenantId || exchange.sub !== owner.sub))) {
    if (!exchange && ref.kind === 'enrollment' && (await isRetiredExchange(tx, ref.exchangeId))) {
      return failAfterCommit(new VerificationError('EXCHANGE_REPLACED'));
    }
    return failAfterCommit(notFoundRefusal(ref.kind));
  }
  if (hasLapsed(exchange.status, exchange.expiresAt, at.now)) {
    await transition(tx, exchange, 'expire' as ExchangeEvent<K>, at);
    return failAfterCommit(expiredRefusal(ref.kind));
  }
  if (!canApply(ref.kind, event, exchange.status)) return failAfterCommit(refusal(ref.kind, event, exchange.status));
  return succeed(exchange);
}

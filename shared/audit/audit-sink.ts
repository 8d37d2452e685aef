import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import type { RecordedEvent, SecurityEventSink } from '../security-events/index.ts';
import type { AuditChainer } from './audit-chainer.ts';
import { canonicalRowAround } from './audit-hash.ts';
import { auditEntryOf } from './audit-record.ts';
import { insertPending, type PendingEvent } from './audit-repository.ts';

function pendingOf(recorded: RecordedEvent): PendingEvent {
  const content = { id: randomUUID(), ...auditEntryOf(recorded) };
  return { content, canonical: canonicalRowAround(content) };
}

/**
 * Writes events in `tx`, the transaction of the change, in one statement: a change that rolls
 * back leaves no row, one that commits cannot lose it. Once committed, each event is chained
 * (AuditChainer, or the next reader): under the tenant's chain head lock it gets the next
 * `seq`, the previous row's hash as `prev_hash` and its own hash over the canonical form
 * computed here. Returns the rows' ids.
 */
export async function recordAuditEvents(tx: Queryable, recorded: readonly RecordedEvent[]): Promise<string[]> {
  const pending = recorded.map(pendingOf);
  await insertPending(tx, pending);
  return pending.map((p) => p.content.id);
}

/** The audit trail as a security-event sink (DESIGN §16); `chainer` chains what it records. */
export function auditSink(chainer: Pick<AuditChainer, 'recorded'>): SecurityEventSink {
  return {
    async write(tx, recorded) {
      await recordAuditEvents(tx, recorded);
      for (const tenantId of new Set(recorded.map((r) => r.event.tenantId))) chainer.recorded(tenantId);
    },
  };
}

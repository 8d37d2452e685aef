import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import type { RecordedEvent, SecurityEventSink } from '../security-events/index.ts';
import type { AuditChainer } from './audit-chainer.ts';
import { canonicalRowAround } from './audit-hash.ts';
import { auditEntryOf } from './audit-record.ts';
import { insertPending } from './audit-repository.ts';

/**
 * Writes one event in `tx`, the transaction of the change: a change that rolls back leaves no
 * row, one that commits cannot lose it. Once committed, the event is chained (AuditChainer,
 * or the next reader): under the tenant's chain head lock it gets the next `seq`, the previous
 * row's hash as `prev_hash` and its own hash over the canonical form computed here. Returns
 * the row's id.
 */
export async function recordAuditEvent(tx: Queryable, recorded: RecordedEvent): Promise<string> {
  const content = { id: randomUUID(), ...auditEntryOf(recorded) };
  await insertPending(tx, content, canonicalRowAround(content));
  return content.id;
}

/** The audit trail as a security-event sink (DESIGN §16); `chainer` chains what it records. */
export function auditSink(chainer: Pick<AuditChainer, 'recorded'>): SecurityEventSink {
  return {
    async write(tx, recorded) {
      await recordAuditEvent(tx, recorded);
      chainer.recorded(recorded.event.tenantId);
    },
  };
}

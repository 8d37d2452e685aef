import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { chainTenant } from '../../shared/audit/audit-chainer.ts';
import type { AuditRecord } from '../../shared/audit/audit-record.ts';
import { auditSink } from '../../shared/audit/audit-sink.ts';
import { listAuditTrail, type ActivityItem, type VerifyResult } from '../../shared/audit/audit-trail.ts';
import type { Database } from '../../shared/db/database.ts';
import { SecurityEventRecorder, type SecurityEvent } from '../../shared/security-events/index.ts';
import { request } from './http.ts';

/** A tenant no other test uses. */
export function uniqueTenant(prefix = 'audit'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A recorder writing only to the audit trail, stamping events with `at` (default: now). */
export function auditRecorder(at: () => Date = () => new Date()): SecurityEventRecorder {
  return new SecurityEventRecorder([auditSink({ recorded: () => undefined })], at).forRequest({
    requestId: 'req-test',
    ip: '203.0.113.7',
    userAgent: 'vitest',
    actor: 'alice',
  });
}

/** A wrong sign-in code of `sub` in `tenantId`: the simplest event to fill a chain with. */
export function wrongCode(tenantId: string, failures: number, sub = 'alice'): SecurityEvent {
  return { event: 'authentication.wrong_code', tenantId, sub, type: 'TOTP', failures };
}

/** Records `count` events of `tenantId`, each in its own committed transaction, and chains them. */
export async function recordChain(db: Database, tenantId: string, count: number, recorder = auditRecorder()): Promise<void> {
  for (let i = 1; i <= count; i++) await db.transaction((tx) => recorder.record(tx, wrongCode(tenantId, i)));
  await chainTenant(db, tenantId);
}

/** The tenant's whole chain, oldest first. */
export async function chainOf(db: Database, tenantId: string): Promise<AuditRecord[]> {
  const rows: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAuditTrail(db, tenantId, { limit: 200, order: 'asc', cursor });
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

/**
 * Runs `sql` as an insider who switched the audit triggers off (`session_replication_role =
 * replica`, which only a superuser may set): what the hash chain must still reveal.
 */
export function asInsider(db: Database, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return db.withClient(async (client) => {
    await client.query('SET session_replication_role = replica');
    try {
      return await client.query(sql, params);
    } finally {
      await client.query('SET session_replication_role = DEFAULT');
    }
  });
}

/** The audit and activity endpoints as an admin UI and a profile page call them. */
export function auditClient(server: { url: string }) {
  return {
    list: (token: string, query = '') => request<AuditPage>(`${server.url}/verification-srv/audit${query ? `?${query}` : ''}`, { token }),
    verify: (token: string, query = '') => request<VerifyResult>(`${server.url}/verification-srv/audit/verify${query ? `?${query}` : ''}`, { token }),
    activity: (token: string, query = '', headers: Record<string, string> = {}) =>
      request<{ items: ActivityItem[]; next_cursor?: string }>(`${server.url}/verification-actions-srv/activity${query ? `?${query}` : ''}`, { token, headers }),
  };
}

export type AuditPage = { items: AuditRecord[]; next_cursor?: string };

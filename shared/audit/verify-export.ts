import { GENESIS_HASH } from './audit-hash.ts';
import type { AuditRecord } from './audit-record.ts';
import { ChainVerifier, type ChainFaultReason } from './chain-verifier.ts';

/** The verdict on an export: as `GET /verification-srv/audit/verify` gives it, minus the head check. */
export interface ExportVerdict {
  ok: boolean;
  checked: number;
  first_bad?: string;
  reason?: ChainFaultReason;
}

/**
 * Verifies rows exported from `GET /verification-srv/audit` (any order, one tenant) without the
 * service's database: sorted by `seq`, every row's hash recomputed and every link checked. The
 * first row is taken as the export's anchor unless it is the chain's first (`seq` 1, whose
 * `prev_hash` must be 64 zeros); compare its `prev_hash` with an earlier export to join them.
 */
export function verifyExport(rows: readonly AuditRecord[]): ExportVerdict {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const first = sorted[0];
  if (!first) return { ok: true, checked: 0 };
  const tenants = new Set(sorted.map((r) => r.tenant));
  if (tenants.size > 1) throw new Error(`an export of one tenant is expected, got ${[...tenants].join(', ')}`);
  const verifier = new ChainVerifier({ seq: first.seq - 1, hash: first.seq === 1 ? GENESIS_HASH : first.prev_hash });
  for (const row of sorted) if (verifier.check(row)) break;
  const fault = verifier.fault;
  return fault ? { ok: false, checked: verifier.checked, first_bad: fault.id, reason: fault.reason } : { ok: true, checked: verifier.checked };
}

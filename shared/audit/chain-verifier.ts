import { chainHash } from './audit-hash.ts';
import type { AuditRecord } from './audit-record.ts';

/**
 * What is wrong at the first bad row:
 * - `hash_mismatch`: the row's content is not what its hash was computed over (it was edited);
 * - `broken_link`: its `prev_hash` is not the previous row's hash (that row was rewritten,
 *   hash and all, or this row's link was);
 * - `missing_rows`: rows before it are gone; at the end of the chain, the id is the last row
 *   the chain head remembers, which no longer exists;
 * - `head_mismatch`: the last row is not the one the chain head recorded (it was rewritten).
 */
export type ChainFaultReason = 'hash_mismatch' | 'broken_link' | 'missing_rows' | 'head_mismatch';

export interface ChainFault {
  id: string;
  reason: ChainFaultReason;
}

/** Where the checked part of a chain begins: the position and hash of the row before it. */
export interface ChainStart {
  seq: number;
  /** Undefined when the row before is gone: the first row checked is then reported. */
  hash: string | undefined;
}

/** What the tenant's chain head says about its end. */
export interface ChainEnd {
  lastSeq: number;
  lastId: string | null;
  lastHash: string;
}

/**
 * Checks rows of one tenant's chain, fed in `seq` order, against each other and, at the end,
 * against the chain head. Pure: the same check runs in the service and over an export.
 *
 * @example
 * ```ts
 * const verifier = new ChainVerifier({ seq: 0, hash: GENESIS_HASH });
 * for (const row of rows) if (verifier.check(row)) break;
 * const fault = verifier.fault ?? verifier.finish(head);
 * ```
 */
export class ChainVerifier {
  #seq: number;
  #hash: string | undefined;
  #lastId: string | null = null;
  #checked = 0;
  #fault: ChainFault | undefined;

  constructor(start: ChainStart) {
    this.#seq = start.seq;
    this.#hash = start.hash;
  }

  /** Rows checked so far (the bad one included). */
  get checked(): number {
    return this.#checked;
  }

  /** The first fault found, if any. */
  get fault(): ChainFault | undefined {
    return this.#fault;
  }

  /** Checks the next row; returns the fault when it is the first bad one. */
  check(row: AuditRecord): ChainFault | undefined {
    if (this.#fault) return undefined;
    this.#checked++;
    const { prev_hash, hash, ...content } = row;
    if (row.seq !== this.#seq + 1 || this.#hash === undefined) this.#fault = { id: row.id, reason: 'missing_rows' };
    else if (prev_hash !== this.#hash) this.#fault = { id: row.id, reason: 'broken_link' };
    else if (chainHash(prev_hash, content) !== hash) this.#fault = { id: row.id, reason: 'hash_mismatch' };
    this.#seq = row.seq;
    this.#hash = hash;
    this.#lastId = row.id;
    return this.#fault;
  }

  /** After the last row: whether the chain ends where its head says it does. */
  finish(head: ChainEnd): ChainFault | undefined {
    if (this.#fault) return this.#fault;
    if (head.lastSeq > this.#seq) {
      this.#fault = { id: head.lastId ?? '', reason: 'missing_rows' };
    } else if (head.lastSeq < this.#seq || head.lastHash !== this.#hash) {
      this.#fault = { id: this.#lastId ?? head.lastId ?? '', reason: 'head_mismatch' };
    }
    return this.#fault;
  }
}

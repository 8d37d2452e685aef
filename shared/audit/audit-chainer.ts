import type { Database, Queryable } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { chainPending, tenantsWithPending } from './audit-repository.ts';

/** Events chained per call: one lock, one transaction, one WAL flush for all of them. */
const BATCH = 500;
/** When another session is chaining a tenant, look again this soon. */
const BUSY_RETRY_MS = 25;
/** How long after recording an event this process looks at its tenant (its change has committed by then, as a rule). */
const AFTER_RECORD_MS = 20;

/**
 * Chains every committed pending event of `tenantId` now, waiting for a chainer of another
 * session to finish first. Readers call it before reading, so they see every event whose change
 * committed before they asked.
 */
export async function chainTenant(q: Queryable, tenantId: string): Promise<void> {
  while (((await chainPending(q, tenantId, BATCH, true)) ?? 0) >= BATCH);
}

/**
 * Moves recorded events into their tenants' chains soon after the changes that recorded them
 * commit: the process that recorded an event looks at its tenant a moment later, and every
 * process sweeps all tenants with pending events every `sweepIntervalMs` (events recorded by a
 * process that stopped, or whose change took longer to commit). Any number of processes run
 * one; a tenant another session is chaining is skipped and looked at again shortly.
 * Not woken by NOTIFY on purpose: a NOTIFY serialises the commits of the changes that send it.
 */
export class AuditChainer {
  readonly #dirty = new Set<string>();
  readonly #soon = new Set<string>();
  #sweep: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #stopped = true;

  constructor(private readonly options: { db: Database; log: Logger; sweepIntervalMs?: number }) {}

  start(): void {
    this.#stopped = false;
    this.#sweep = setInterval(() => this.sweep(), this.options.sweepIntervalMs ?? 500);
    this.#sweep.unref();
    this.sweep();
  }

  /** Stops and waits for the chaining under way. Events left pending are chained by the next reader or process. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweep);
    await this.#pass;
  }

  /** An event of `tenantId` was just recorded: chain it once its change has committed. */
  recorded(tenantId: string): void {
    // One timer per tenant at a time, however many events it records meanwhile.
    if (this.#stopped || this.#soon.has(tenantId)) return;
    this.#soon.add(tenantId);
    setTimeout(() => {
      this.#soon.delete(tenantId);
      this.mark(tenantId);
    }, AFTER_RECORD_MS).unref();
  }

  /** Asks for the tenant's pending events to be chained now. */
  mark(tenantId: string): void {
    if (this.#stopped) return;
    this.#dirty.add(tenantId);
    this.#kick();
  }

  /** Marks every tenant with pending events. */
  sweep(): void {
    if (this.#stopped) return;
    tenantsWithPending(this.options.db, 1_000).then(
      (tenants) => tenants.forEach((t) => this.mark(t)),
      (err: unknown) => this.#warn(err),
    );
  }

  #kick(): void {
    if (this.#pass) return;
    this.#pass = this.#drain().finally(() => {
      this.#pass = undefined;
      // A tenant marked after the loop's last look is not left waiting for the sweep.
      if (this.#dirty.size > 0 && !this.#stopped) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#dirty.size > 0 && !this.#stopped) {
      for (const tenantId of [...this.#dirty]) {
        this.#dirty.delete(tenantId);
        try {
          const chained = await chainPending(this.options.db, tenantId, BATCH, false);
          if (chained === null) setTimeout(() => this.mark(tenantId), BUSY_RETRY_MS).unref();
          else if (chained >= BATCH) this.#dirty.add(tenantId);
        } catch (err) {
          this.#warn(err);
        }
      }
    }
  }

  #warn(err: unknown): void {
    this.options.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'audit chaining failed; retrying on the next sweep');
  }
}

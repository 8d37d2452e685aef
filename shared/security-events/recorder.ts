import type { Queryable } from '../db/database.ts';
import type { Clock } from '../clock/clock.ts';
import type { RecordedEvent, RequestOrigin, SecurityEvent } from './security-event.ts';

/**
 * A destination of security events: the log, the audit table, the webhook outbox. `write` runs
 * inside the transaction of the change (`tx`), so a sink that writes rows commits or rolls
 * back together with it; a sink that throws rolls the change back. It receives the events one
 * change recorded together, in order (most often one), so a sink writing rows can write them
 * in one statement.
 */
export interface SecurityEventSink {
  write(tx: Queryable, recorded: readonly RecordedEvent[]): void | Promise<void>;
}

/**
 * The one way domain operations report a security event. Call `record` inside the transaction
 * of the change it describes, with every event of that change; routes hand operations a
 * recorder bound to their request with `forRequest`.
 *
 * @example
 * ```ts
 * await events.record(tx, { event: 'factor.removed', tenantId, sub, type: 'TOTP', phId, actor: { kind: 'self' } });
 * ```
 */
export class SecurityEventRecorder {
  readonly #sinks: readonly SecurityEventSink[];
  readonly #clock: Clock;
  readonly #origin: RequestOrigin;

  constructor(sinks: readonly SecurityEventSink[], clock: Clock, origin: RequestOrigin = {}) {
    this.#sinks = sinks;
    this.#clock = clock;
    this.#origin = origin;
  }

  /** The same sinks, with every event stamped with the request it came from. */
  forRequest(origin: RequestOrigin): SecurityEventRecorder {
    return new SecurityEventRecorder(this.#sinks, this.#clock, origin);
  }

  /** Hands `events` (one change's, in order) to every sink, in order, within `tx`. */
  async record(tx: Queryable, ...events: SecurityEvent[]): Promise<void> {
    const at = this.#clock();
    const recorded = events.map((event): RecordedEvent => ({ event, at, origin: this.#origin }));
    for (const sink of this.#sinks) await sink.write(tx, recorded);
  }
}

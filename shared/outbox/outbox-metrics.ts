import { Counter, type Registry } from 'prom-client';

/** What the outbox worker reports to Prometheus. */
export interface OutboxMetrics {
  attempts: Counter<'queue' | 'outcome'>;
}

/** Registers the outbox metrics on the process registry. */
export function createOutboxMetrics(registry: Registry): OutboxMetrics {
  return {
    attempts: new Counter({
      name: 'verification_outbox_attempts_total',
      help: 'Outbox delivery attempts by queue and outcome (delivered, retry, failed, lost_claim)',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    }),
  };
}

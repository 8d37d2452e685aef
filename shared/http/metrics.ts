import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { TalliedCounter, TalliedHistogram } from './tallied-metrics.ts';

export interface HttpMetrics {
  registry: Registry;
  requests: TalliedCounter<'method' | 'route' | 'status'>;
  duration: TalliedHistogram<'method' | 'route'>;
  /** Connections closed on accept because `MAX_CONNECTIONS` were open. */
  connectionsRefused: Counter;
}

/** One registry per process (not prom-client's global), so tests can run several apps. */
export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new TalliedCounter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new TalliedHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: 'http_connections_refused_total',
      help: 'Connections closed on accept because MAX_CONNECTIONS were open',
      registers: [registry],
    }),
  };
}

import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a WebSocket ended, as the disconnect counter labels it. */
export type DisconnectReason =
  | 'client'
  | 'shutdown'
  | 'heartbeat_timeout'
  | 'slow_consumer'
  | 'too_many_subscriptions'
  | 'message_too_big'
  | 'message_rate'
  | 'error';

/**
 * How a status read was answered: from the cache, by filling it, around it (listener not
 * live), or refused from the negative cache (`unknown`: an id recently found not to exist).
 */
export type CacheResult = 'hit' | 'miss' | 'bypass' | 'unknown';

/** What the live-status machinery reports to Prometheus. */
export interface StatusMetrics {
  openSockets: Gauge;
  subscriptions: Gauge;
  eventsDelivered: Counter;
  eventsReceived: Counter;
  listenerReconnects: Counter;
  disconnects: Counter<'reason'>;
  cacheReads: Counter<'result'>;
  /** `?wait` polls currently held, each already watching its status. */
  longPolls: Gauge;
}

/** Registers the status metrics on the process registry (one set per registry). */
export function createStatusMetrics(registry: Registry): StatusMetrics {
  const registers = [registry];
  return {
    openSockets: new Gauge({ name: 'verification_ws_open_sockets', help: 'Open status WebSockets', registers }),
    subscriptions: new Gauge({ name: 'verification_ws_subscriptions', help: 'Status ids watched over WebSockets', registers }),
    eventsDelivered: new Counter({
      name: 'verification_ws_events_delivered_total',
      help: 'Status messages (snapshots and transitions) sent to WebSocket subscribers',
      registers,
    }),
    eventsReceived: new Counter({
      name: 'verification_status_events_received_total',
      help: 'Status events heard on the LISTEN connection',
      registers,
    }),
    listenerReconnects: new Counter({
      name: 'verification_status_listener_reconnects_total',
      help: 'Times the LISTEN connection was restored (each followed by a resync)',
      registers,
    }),
    disconnects: new Counter({
      name: 'verification_ws_disconnects_total',
      help: 'Closed status WebSockets by reason',
      labelNames: ['reason'],
      registers,
    }),
    cacheReads: new Counter({
      name: 'verification_status_cache_reads_total',
      help: 'Status reads by how the per-process cache answered them',
      labelNames: ['result'],
      registers,
    }),
    longPolls: new Gauge({
      name: 'verification_status_long_polls',
      help: 'Status long polls (?wait) held open, waiting for a change',
      registers,
    }),
  };
}

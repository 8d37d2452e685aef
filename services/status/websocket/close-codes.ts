import type { DisconnectReason } from '../../../shared/events/status-metrics.ts';

/**
 * Close codes the status WebSocket ends a connection with (RFC 6455 §7.4; 4000–4999 are ours).
 * Each comes with a reason text; see asyncapi.yaml.
 */
export const CloseCode = {
  /** The server is shutting down: reconnect (to another instance) and subscribe again. */
  GOING_AWAY: 1001,
  /** A message was larger than `WS_MAX_MESSAGE_BYTES` (sent by the `ws` library itself). */
  MESSAGE_TOO_BIG: 1009,
  /** Subscribing would exceed `WS_MAX_SUBSCRIPTIONS` on this connection. */
  TOO_MANY_SUBSCRIPTIONS: 4001,
  /** The client read too slowly: more than `WS_MAX_BUFFERED_BYTES` waited to be sent. */
  SLOW_CONSUMER: 4002,
  /** The client sent more than `WS_MAX_MESSAGES_PER_SECOND` messages a second (beyond its burst). */
  MESSAGE_RATE: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** How the disconnect counter labels a close code the server chose. */
export const REASON_OF: Record<CloseCode, DisconnectReason> = {
  [CloseCode.GOING_AWAY]: 'shutdown',
  [CloseCode.MESSAGE_TOO_BIG]: 'message_too_big',
  [CloseCode.TOO_MANY_SUBSCRIPTIONS]: 'too_many_subscriptions',
  [CloseCode.SLOW_CONSUMER]: 'slow_consumer',
  [CloseCode.MESSAGE_RATE]: 'message_rate',
};

import type { JsonObject } from '../db/json.ts';

// An exchange that waits for a message (an SMS or email code) shows where that message is in
// its status document: `queued` until the outbox finishes it, then `sent` or `failed`. A
// provider failure is thus a state the user's screen can show ("we could not send the code"),
// never an error of the request that asked for it. Methods keep it in `method_state.delivery`.

/** Where the message an exchange waits for is. */
export type ExchangeDeliveryState = 'queued' | 'sent' | 'failed';

/** What the status document shows of it. */
export interface DeliveryView {
  state: ExchangeDeliveryState;
  /** The destination, masked. */
  to: string;
}

/** The `method_state.delivery` member of a message just queued for `to` (masked). */
export function queuedDelivery(messageId: string, to: string): JsonObject {
  return { message_id: messageId, state: 'queued', to };
}

/** The delivery member of an exchange's method state, if it has a valid one. */
export function deliveryOf(methodState: JsonObject): DeliveryView | undefined {
  const d = methodState.delivery;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return undefined;
  const { state, to } = d as JsonObject;
  if ((state !== 'queued' && state !== 'sent' && state !== 'failed') || typeof to !== 'string') return undefined;
  return { state, to };
}

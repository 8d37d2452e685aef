import { z } from 'zod';
import type { JsonObject } from '../../db/json.ts';
import { queuedDelivery } from '../../exchanges/delivery-state.ts';
import type { CodeMac } from './one-time-code.ts';

// What a code method keeps, not secret: in the exchange's `method_state` while a code is out,
// and in the authenticator's `data` once a destination is enrolled.

const exchangeStateSchema = z.object({
  destination: z.string(),
  masked: z.string(),
  code_mac: z.string(),
  code_key_id: z.string(),
  /** When the latest code was sent (the resend cooldown runs from it). */
  sent_at: z.string(),
  /** Codes sent for this exchange. */
  sends: z.number().int(),
  /** The outbox message of the latest code, and where it is (shown in the status document). */
  delivery: z.looseObject({ message_id: z.string() }),
});

export interface CodeExchangeState {
  destination: string;
  masked: string;
  mac: CodeMac;
  sentAt: Date;
  sends: number;
  messageId: string;
}

export function readExchangeState(state: JsonObject): CodeExchangeState {
  const s = exchangeStateSchema.parse(state);
  return {
    destination: s.destination,
    masked: s.masked,
    mac: { mac: s.code_mac, keyId: s.code_key_id },
    sentAt: new Date(s.sent_at),
    sends: s.sends,
    messageId: s.delivery.message_id,
  };
}

export function storedExchangeState(s: CodeExchangeState): JsonObject {
  return {
    destination: s.destination,
    masked: s.masked,
    code_mac: s.mac.mac,
    code_key_id: s.mac.keyId,
    sent_at: s.sentAt.toISOString(),
    sends: s.sends,
    delivery: queuedDelivery(s.messageId, s.masked),
  };
}

/** An enrolled destination (the authenticator's `data`). */
interface EnrolledDestination {
  destination: string;
  masked: string;
}

const enrolledSchema = z.object({ destination: z.string(), masked: z.string() });

export function readEnrolledDestination(data: JsonObject): EnrolledDestination {
  return enrolledSchema.parse(data);
}

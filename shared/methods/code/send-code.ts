import type { Queryable } from '../../db/database.ts';
import type { Channel, MessagePurpose } from '../../delivery/message.ts';
import type { OperationContext } from '../method-module.ts';
import type { Destination } from './code-channel.ts';
import type { CodeSettings } from './code-settings.ts';
import type { CodeExchangeState } from './code-state.ts';
import { generateCode, macCode } from './one-time-code.ts';
import { countSend } from './send-limits.ts';

interface CodeToSend {
  channel: Channel;
  tenantId: string;
  sub: string;
  exchangeId: string;
  destination: Destination;
  settings: CodeSettings;
  purpose: MessagePurpose;
  /** Seconds the code stays valid (the exchange's lifetime from now). */
  lifetimeSeconds: number;
  /** Codes already sent for this exchange (a resend). */
  sentBefore?: number;
}

/**
 * Sends a fresh code for an exchange, in `tx`, the transaction that stores the exchange state
 * this returns: the send caps are counted, the code drawn, its MAC kept (never the code), and
 * the message queued in the outbox, so the message exists exactly when the exchange expecting
 * its code does, and a crash between commit and sending loses nothing.
 *
 * @throws VerificationError DESTINATION_SEND_LIMIT, USER_SEND_LIMIT, DELIVERY_UNAVAILABLE
 */
export async function sendCode(tx: Queryable, ctx: OperationContext, c: CodeToSend): Promise<CodeExchangeState> {
  const keyring = ctx.deps.config.secretKeyring;
  await countSend(tx, keyring, { tenantId: c.tenantId, sub: c.sub, destination: c.destination.address, now: ctx.now });
  const code = generateCode(c.settings.digits);
  const { messageId } = await ctx.deps.delivery.queueMessage(tx, {
    channel: c.channel,
    to: c.destination.address,
    tenant: { id: c.tenantId, name: c.settings.sender_name ?? c.tenantId },
    code,
    lifetimeSeconds: c.lifetimeSeconds,
    purpose: c.purpose,
  });
  return {
    destination: c.destination.address,
    masked: c.destination.masked,
    mac: macCode(keyring, c.exchangeId, code),
    sentAt: ctx.now,
    sends: (c.sentBefore ?? 0) + 1,
    messageId,
  };
}

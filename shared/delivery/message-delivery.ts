import { z } from 'zod';
import type { Queryable } from '../db/database.ts';
import { VerificationError } from '../errors/verification-error.ts';
import type { AttemptResult, OutboxDelivery } from '../outbox/outbox-entry.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { MESSAGE_RETRY_SCHEDULE } from '../outbox/retry-schedule.ts';
import type { Clock } from '../clock/clock.ts';
import { announceDelivery } from '../exchanges/announce-delivery.ts';
import { composeEmail } from './compose-email.ts';
import { composeSms } from './compose-sms.ts';
import { maskDestination } from './destination/mask.ts';
import type { Channel, MessageFacts, MessageRequest } from './message.ts';
import type { Providers } from './providers/create-providers.ts';

/** The outbox queue codes travel through. */
export const MESSAGE_QUEUE = 'message';

/** Where a message is: waiting (or waiting to be retried), being sent, sent, or given up. */
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed';

/** A message's delivery as a status document shows it (never the code or the full destination). */
export interface MessageDeliveryStatus {
  id: string;
  channel: Channel;
  /** The destination, masked (`+49•••••123`). */
  to: string;
  state: DeliveryState;
  attempts: number;
  /** Why the last attempt failed (also while a retry is queued); absent once sent. */
  reason?: string;
  provider?: string;
  providerMessageId?: string;
  updatedAt: Date;
}

const factsSchema = z.object({
  channel: z.enum(['sms', 'email']),
  to: z.string().min(1),
  tenantName: z.string(),
  code: z.string().min(1),
  lifetimeSeconds: z.number().int().positive(),
  purpose: z.enum(['enrollment', 'sign-in']),
});

const STATE: Record<string, DeliveryState> = { pending: 'queued', in_flight: 'sending', delivered: 'sent', failed: 'failed' };

/**
 * SMS and email codes, delivered through the outbox: `queueMessage` writes the message (sealed:
 * it holds the code) in the caller's transaction; a worker composes and sends it with the
 * configured provider, retrying on a short schedule and never past the code's lifetime.
 */
export class MessageDelivery {
  constructor(
    private readonly outbox: Outbox,
    private readonly providers: Providers,
    private readonly options: { publicBaseUrl: string | undefined; retryScale: number; clock: Clock },
  ) {
    outbox.register(MESSAGE_QUEUE, {
      handle: (delivery) => this.#send(delivery),
      retrySchedule: MESSAGE_RETRY_SCHEDULE,
      retryScale: options.retryScale,
      // The exchange waiting for the code shows the outcome in its status document.
      onFinished: (tx, finished) => announceDelivery(tx, finished.id, finished.status === 'delivered' ? 'sent' : 'failed', this.options.clock()),
    });
  }

  /** Whether a provider is configured for `channel` (in production a channel may have none). */
  channelAvailable(channel: Channel): boolean {
    return this.providers[channel] !== undefined;
  }

  /**
   * Queues a code for delivery in `tx`, the transaction that created it, so the message exists
   * exactly when the code does. Returns the message id to keep with the exchange.
   *
   * @throws VerificationError `DELIVERY_UNAVAILABLE` when no provider serves the channel.
   * @example
   * ```ts
   * const { messageId } = await deps.delivery.queueMessage(tx, {
   *   channel: 'sms', to: '+4915123456789', tenant: { id: 'acme', name: 'Acme' },
   *   code: '123456', lifetimeSeconds: 600, purpose: 'enrollment',
   * });
   * ```
   */
  async queueMessage(tx: Queryable, request: MessageRequest): Promise<{ messageId: string }> {
    const provider = this.providers[request.channel];
    if (!provider) throw new VerificationError('DELIVERY_UNAVAILABLE', `no ${request.channel} provider is configured`);
    const facts: MessageFacts = {
      channel: request.channel,
      to: request.to,
      tenantName: request.tenant.name,
      code: request.code,
      lifetimeSeconds: request.lifetimeSeconds,
      purpose: request.purpose,
    };
    const now = this.options.clock();
    const { id } = await this.outbox.enqueue(tx, {
      queue: MESSAGE_QUEUE,
      payload: { ...facts },
      secret: true,
      tenantId: request.tenant.id,
      metadata: { channel: request.channel, to: maskDestination(request.channel, request.to), purpose: request.purpose, provider: provider.name },
      deadline: new Date(now.getTime() + request.lifetimeSeconds * 1000),
    });
    return { messageId: id };
  }

  /** A message's delivery state; another tenant's message reads as absent. */
  async deliveryStatus(messageId: string, tenantId: string): Promise<MessageDeliveryStatus | undefined> {
    const entry = await this.outbox.read(messageId, tenantId);
    if (!entry || entry.queue !== MESSAGE_QUEUE) return undefined;
    const meta = entry.metadata;
    const state = STATE[entry.status]!;
    return {
      id: entry.id,
      channel: meta.channel as Channel,
      to: String(meta.to),
      state,
      attempts: entry.attempts,
      ...(state !== 'sent' && entry.lastError ? { reason: entry.lastError } : {}),
      ...(typeof meta.provider === 'string' ? { provider: meta.provider } : {}),
      ...(entry.providerMessageId ? { providerMessageId: entry.providerMessageId } : {}),
      updatedAt: entry.updatedAt,
    };
  }

  /** Ends the providers' own connections (the SMTP pool). */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.providers).map((p) => p.close?.()));
  }

  async #send(delivery: OutboxDelivery): Promise<AttemptResult> {
    const parsed = factsSchema.safeParse(delivery.payload);
    if (!parsed.success) return { outcome: 'failed', error: 'the queued message is malformed' };
    const facts = parsed.data;
    const provider = this.providers[facts.channel];
    if (!provider) return { outcome: 'failed', error: `no ${facts.channel} provider is configured in this process` };
    const message = facts.channel === 'sms' ? composeSms(facts, this.options.publicBaseUrl) : composeEmail(facts);
    try {
      return await provider.send(message, { messageId: delivery.id, signal: delivery.signal });
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).split(facts.code).join('[code]');
      return { outcome: 'retry', error: `${provider.name}: ${error}` };
    }
  }
}

import type { AddressPolicy } from '../../outbound/address-guard.ts';
import { postSignedJson } from '../../outbound/outbound-request.ts';
import type { ComposedMessage } from '../message.ts';
import { attemptFromHttp, stringMember, type MessageProvider } from './message-provider.ts';

/**
 * Hands messages to the operator's own gateway: a Standard Webhooks signed POST (DESIGN §13)
 * of `{channel, to, text, code_length}` (plus `subject` and `html` for email) to
 * `DELIVERY_WEBHOOK_URL`. The `webhook-id` is the message id, the same on every retry, so the
 * gateway can drop duplicates. An `id` in the gateway's JSON answer is recorded.
 */
export function webhookProvider(url: string, secrets: readonly string[], policy: AddressPolicy): MessageProvider {
  return {
    name: 'webhook',
    async send(message: ComposedMessage, { messageId, signal }) {
      const payload =
        message.channel === 'sms'
          ? { channel: 'sms', to: message.to, text: message.text, code_length: message.code.length }
          : { channel: 'email', to: message.to, text: message.text, code_length: message.code.length, subject: message.subject, html: message.html };
      const outcome = await postSignedJson({ url, id: messageId, payload, secrets, signal }, policy);
      return attemptFromHttp(outcome, 'delivery webhook', message.code, (body) => stringMember(body, 'id'));
    },
  };
}

import type { Database } from '../../db/database.ts';
import type { Logger } from '../../log/logger.ts';
import type { SecretKeyring } from '../../otp/secret-box.ts';
import type { Clock } from '../../clock/clock.ts';
import { keepDevMessage } from '../dev-outbox.ts';
import type { ComposedMessage } from '../message.ts';
import type { MessageProvider } from './message-provider.ts';

/**
 * Development only (refused in production by the configuration): writes each message, code
 * included, to the log, and keeps it for `GET /verification-srv/dev/outbox` so a developer or
 * a test can read the code without a phone or a mailbox.
 */
export function logProvider(deps: { db: Database; log: Logger; keyring: SecretKeyring; clock: Clock }): MessageProvider {
  return {
    name: 'log',
    async send(message: ComposedMessage, { messageId }) {
      const subject = message.channel === 'email' ? message.subject : undefined;
      deps.log.info({ message_id: messageId, channel: message.channel, to: message.to, subject, text: message.text }, 'message sent (log provider, development only)');
      try {
        await keepDevMessage(deps.db, deps.keyring, messageId, message, deps.clock());
      } catch (err) {
        return { outcome: 'retry', error: `log provider could not keep the message: ${err instanceof Error ? err.message : String(err)}` };
      }
      return { outcome: 'delivered', providerMessageId: messageId };
    },
  };
}

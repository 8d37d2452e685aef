import nodemailer from 'nodemailer';
import type { ComposedMessage } from '../message.ts';
import type { MessageProvider } from './message-provider.ts';

/** Connect, greeting and idle socket limits, in line with the 15 s of outbound HTTP. */
const SMTP_TIMEOUT_MS = 15_000;

interface SmtpError {
  message?: string;
  code?: string;
  responseCode?: number;
}

/**
 * Email through any SMTP server with nodemailer, over a small connection pool. `SMTP_URL`
 * carries host, port, credentials and TLS (`smtps://` for implicit TLS; nodemailer upgrades
 * `smtp://` with STARTTLS when offered, `?requireTLS=true` insists on it). A 5xx reply is a
 * permanent refusal (given up), anything else (4xx, connection trouble) is retried. The
 * Message-ID is recorded as the provider's id.
 */
export function smtpProvider(url: string, from: string): MessageProvider {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    name: 'smtp',
    async send(message: ComposedMessage) {
      if (message.channel !== 'email') return { outcome: 'failed', error: 'smtp sends email only' };
      try {
        const info = (await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html })) as {
          messageId?: string;
        };
        return { outcome: 'delivered', providerMessageId: info.messageId };
      } catch (raw) {
        const err = raw as SmtpError;
        const reply = err.responseCode;
        const error = `smtp: ${err.code ?? 'error'}${reply ? ` ${reply}` : ''}: ${(err.message ?? String(raw)).split(message.code).join('[code]')}`;
        return reply !== undefined && reply >= 500 ? { outcome: 'failed', error } : { outcome: 'retry', error };
      }
    },
    async close() {
      transport.close();
    },
  };
}

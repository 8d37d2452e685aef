import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Queryable } from '../db/database.ts';
import { normalizeEmail } from './destination/email-address.ts';
import { openSecret, sealSecret, type SecretKeyring } from '../otp/secret-box.ts';
import type { Channel, ComposedMessage } from './message.ts';

/** Messages older than this are deleted as new ones arrive. */
const KEEP_MS = 60 * 60_000;
/** At most this many messages are returned for one destination. */
export const DEV_OUTBOX_LIMIT = 10;

/** A message the `log` provider sent, as the development outbox shows it. */
export interface DevOutboxMessage {
  id: string;
  channel: Channel;
  to: string;
  code: string;
  text: string;
  subject?: string;
  html?: string;
  sentAt: Date;
}

const context = (destination: string) => `dev-outbox:${destination}`;

/**
 * Keeps a message the `log` provider sent, sealed, for `GET /verification-srv/dev/outbox`.
 * Only the `log` provider calls this, and it is refused in production, so no code is ever
 * kept here in production.
 */
export async function keepDevMessage(db: Queryable, keyring: SecretKeyring, messageId: string, message: ComposedMessage, now: Date): Promise<void> {
  const content = message.channel === 'sms'
    ? { channel: message.channel, code: message.code, text: message.text }
    : { channel: message.channel, code: message.code, text: message.text, subject: message.subject, html: message.html };
  const sealed = sealSecret(keyring, JSON.stringify(content), context(message.to));
  // One statement, so keeping a message costs one commit.
  await db.query(
    `WITH expired AS (DELETE FROM dev_outbox_messages WHERE created_at < $6)
     INSERT INTO dev_outbox_messages (message_id, destination, sealed_content, sealed_key_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
    [messageId, message.to, sealed.ciphertext, sealed.keyId, now, new Date(now.getTime() - KEEP_MS)],
  );
}

/** The latest messages sent to `destination`, newest first. */
export async function readDevMessages(db: Queryable, keyring: SecretKeyring, destination: string): Promise<DevOutboxMessage[]> {
  const result = await db.query<{ message_id: string; sealed_content: Buffer; sealed_key_id: string; created_at: Date }>(
    'SELECT message_id, sealed_content, sealed_key_id, created_at FROM dev_outbox_messages WHERE destination = $1 ORDER BY id DESC LIMIT $2',
    [destination, DEV_OUTBOX_LIMIT],
  );
  return result.rows.flatMap((row) => {
    try {
      const content = JSON.parse(openSecret(keyring, { keyId: row.sealed_key_id, ciphertext: row.sealed_content }, context(destination))) as Omit<
        DevOutboxMessage,
        'id' | 'to' | 'sentAt'
      >;
      return [{ ...content, id: row.message_id, to: destination, sentAt: row.created_at }];
    } catch {
      // Sealed with a key no longer in the keyring: nothing to show.
      return [];
    }
  });
}

/**
 * The destination a developer typed, as the SMS and email modules store it: an email address
 * normalised, a phone number in E.164. A `+` that arrived unencoded in a query string (read as
 * a space, then trimmed) is put back.
 */
export function devOutboxKey(to: string): string {
  const text = to.trim();
  if (text.includes('@')) return normalizeEmail(text).address;
  const phone = parsePhoneNumberFromString(text) ?? (text.startsWith('+') ? undefined : parsePhoneNumberFromString(`+${text}`));
  return phone?.number ?? text;
}

/** What `GET /verification-srv/dev/outbox` answers: the destination as looked up and its messages. */
export async function readDevOutbox(db: Queryable, keyring: SecretKeyring, to: string): Promise<{ to: string; messages: DevOutboxMessage[] }> {
  const destination = devOutboxKey(to);
  return { to: destination, messages: await readDevMessages(db, keyring, destination) };
}

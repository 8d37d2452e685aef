import { Webhook } from 'standardwebhooks';

/** The three headers of a Standard Webhooks request. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface WebhookToSign {
  /** Stays the same across retries, so receivers can deduplicate. */
  id: string;
  /** When this attempt is sent; receivers refuse timestamps more than 5 minutes off their clock. */
  timestamp: Date;
  /** The exact bytes sent: a receiver verifies the raw body, never a re-serialisation. */
  body: string;
  /** `whsec_…` secrets; each adds one `v1,` signature (during a rotation, old and new). */
  secrets: readonly string[];
}

/**
 * Signs a request as Standard Webhooks does: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
 * per secret, space-separated, so a receiver holding any one of the secrets verifies it.
 *
 * @example
 * ```ts
 * const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: ['whsec_…'] });
 * // receiver: new Webhook(secret).verify(rawBody, headers)
 * ```
 */
export function signWebhook({ id, timestamp, body, secrets }: WebhookToSign): WebhookHeaders {
  if (secrets.length === 0) throw new Error('signing needs at least one secret');
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body));
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

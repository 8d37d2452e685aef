import { randomBytes } from 'node:crypto';

/** The prefix Standard Webhooks gives a signing secret, before its base64 key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Standard Webhooks asks for keys of 24 to 64 bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why `value` is not a usable `whsec_<base64>` secret, or undefined when it is. Receivers decode
 * the part after the prefix as base64 (a known pitfall is treating it as text), so it must be
 * strict, padded base64 of 24 to 64 bytes.
 */
export function webhookSecretProblem(value: string): string | undefined {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return `must start with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) return `must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) return `must encode ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes (has ${bytes})`;
  return undefined;
}

/** A fresh secret of 32 random bytes in the `whsec_` form (for endpoints that mint their own). */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

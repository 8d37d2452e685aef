import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { AddressPolicy } from '../outbound/address-guard.ts';
import type { SecretKeyring } from '../otp/secret-box.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Clock } from '../clock/clock.ts';

/** The outbox queue webhook deliveries travel through; the ordering key is the endpoint id. */
export const WEBHOOK_QUEUE = 'webhook';

/** Endpoints one tenant may have: enough for any integration, bounded against a flood. */
export const MAX_ENDPOINTS_PER_TENANT = 20;

/** How long the secret a rotation replaced keeps signing next to the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** What the webhook operations share. */
export interface WebhookContext {
  db: Database;
  outbox: Outbox;
  keyring: SecretKeyring;
  clock: Clock;
  /** The address guard (DESIGN §13), applied to URLs at creation and to addresses when sending. */
  policy: AddressPolicy;
  log: Logger;
}

/** Associated data sealing an endpoint's secrets: a ciphertext moved to another endpoint does not open. */
export const secretBinding = (endpointId: string) => `webhook:${endpointId}`;

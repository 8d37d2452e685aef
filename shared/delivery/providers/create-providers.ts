import type { AppConfig } from '../../config/env.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../log/logger.ts';
import type { AddressPolicy } from '../../outbound/address-guard.ts';
import type { Clock } from '../../clock/clock.ts';
import type { Channel } from '../message.ts';
import { logProvider } from './log-provider.ts';
import type { MessageProvider } from './message-provider.ts';
import { smtpProvider } from './smtp-provider.ts';
import { telnyxProvider } from './telnyx-provider.ts';
import { twilioProvider } from './twilio-provider.ts';
import { webhookProvider } from './webhook-provider.ts';

/** The provider of each channel the configuration sets up (a channel without one is absent). */
export type Providers = Partial<Record<Channel, MessageProvider>>;

/** Builds the providers `SMS_PROVIDER` and `EMAIL_PROVIDER` name (configuration already validated them). */
export function createProviders(config: AppConfig, deps: { db: Database; log: Logger; clock: Clock }): Providers {
  const { delivery, outbound } = config;
  const policy: AddressPolicy = { production: config.production, allowPrivate: outbound.allowPrivate };
  const log = () => logProvider({ ...deps, keyring: config.secretKeyring });
  const webhook = () => webhookProvider(delivery.webhookUrl!, outbound.webhookSecrets, policy);
  const providers: Providers = {};

  switch (delivery.smsProvider) {
    case 'log':
      providers.sms = log();
      break;
    case 'webhook':
      providers.sms = webhook();
      break;
    case 'twilio':
      providers.sms = twilioProvider(delivery.twilio!, policy);
      break;
    case 'telnyx':
      providers.sms = telnyxProvider(delivery.telnyx!, policy);
      break;
    case undefined:
      break;
  }
  switch (delivery.emailProvider) {
    case 'log':
      providers.email = log();
      break;
    case 'webhook':
      providers.email = webhook();
      break;
    case 'smtp':
      providers.email = smtpProvider(delivery.smtpUrl!, delivery.emailFrom!);
      break;
    case undefined:
      break;
  }
  return providers;
}

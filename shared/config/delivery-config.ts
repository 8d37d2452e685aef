import { z } from 'zod';
import { webhookSecretProblem } from '../outbound/webhook-secret.ts';

/** Where SMS codes go. `log` writes them to the log (development only). */
export type SmsProviderName = 'log' | 'webhook' | 'twilio' | 'telnyx';
/** Where email codes go. `log` writes them to the log (development only). */
export type EmailProviderName = 'log' | 'smtp' | 'webhook';

export interface TwilioConfig {
  apiBase: string;
  accountSid: string;
  /** Basic-auth user and password: the account SID and auth token, or an API key SID and secret. */
  username: string;
  password: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
}

export interface TelnyxConfig {
  apiBase: string;
  apiKey: string;
  from: string | undefined;
  messagingProfileId: string | undefined;
}

/** Outbound HTTP: signing secrets and the address guard (DESIGN §13). */
export interface OutboundConfig {
  /** `whsec_` secrets; every one signs each request (rotation sends old and new together). */
  webhookSecrets: string[];
  /** Lets outbound requests reach private, loopback, link-local and CGNAT addresses in production. */
  allowPrivate: boolean;
}

/** The transactional outbox and its worker. */
export interface OutboxConfig {
  pollIntervalMs: number;
  leaseMs: number;
  concurrency: number;
  /** Finished rows (and their attempts) are deleted this many days after they finished. */
  retentionDays: number;
}

/** How SMS and email codes are delivered (DESIGN §11). */
export interface DeliveryConfig {
  /** Undefined: the channel has no provider (production without one configured). */
  smsProvider: SmsProviderName | undefined;
  emailProvider: EmailProviderName | undefined;
  smtpUrl: string | undefined;
  emailFrom: string | undefined;
  webhookUrl: string | undefined;
  twilio: TwilioConfig | undefined;
  telnyx: TelnyxConfig | undefined;
  /** Multiplies the message retry schedule (tests shrink it). */
  retryScale: number;
}

export class DeliveryConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = 'DeliveryConfigError';
  }
}

const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const httpUrl = z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL');

/** The variables of delivery, outbound requests and the outbox, merged into the env schema. */
export const deliveryEnvShape = {
  OUTBOUND_ALLOW_PRIVATE: flag.default(false),
  WEBHOOK_SECRET: z.string().optional(),
  SMS_PROVIDER: z.enum(['log', 'webhook', 'twilio', 'telnyx']).optional(),
  EMAIL_PROVIDER: z.enum(['log', 'smtp', 'webhook']).optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  EMAIL_FROM: z.string().min(3).max(256).optional(),
  DELIVERY_WEBHOOK_URL: httpUrl.optional(),
  DELIVERY_RETRY_SCALE: z.coerce.number().positive().max(100).default(1),
  TWILIO_API_BASE: httpUrl.default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_API_KEY_SID: z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hex digits').optional(),
  TWILIO_API_KEY_SECRET: z.string().min(1).optional(),
  TWILIO_FROM: z.string().min(1).max(64).optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits').optional(),
  TELNYX_API_BASE: httpUrl.default('https://api.telnyx.com'),
  TELNYX_API_KEY: z.string().min(1).optional(),
  TELNYX_FROM: z.string().min(1).max(64).optional(),
  TELNYX_MESSAGING_PROFILE_ID: z.string().min(1).max(64).optional(),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  OUTBOX_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(16),
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
};

type DeliveryEnv = z.infer<z.ZodObject<typeof deliveryEnvShape>>;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function need<T>(value: T | undefined, variable: string, why: string): T {
  if (value === undefined || value === '') throw new DeliveryConfigError(variable, `required ${why}`);
  return value;
}

function twilioConfig(env: DeliveryEnv): TwilioConfig {
  const accountSid = need(env.TWILIO_ACCOUNT_SID, 'TWILIO_ACCOUNT_SID', 'when SMS_PROVIDER=twilio');
  const apiKey = env.TWILIO_API_KEY_SID;
  if (apiKey && !env.TWILIO_API_KEY_SECRET) throw new DeliveryConfigError('TWILIO_API_KEY_SECRET', 'required with TWILIO_API_KEY_SID');
  if (!apiKey) need(env.TWILIO_AUTH_TOKEN, 'TWILIO_AUTH_TOKEN', 'when SMS_PROVIDER=twilio (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)');
  if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID) {
    throw new DeliveryConfigError('TWILIO_FROM', 'required when SMS_PROVIDER=twilio (or TWILIO_MESSAGING_SERVICE_SID)');
  }
  return {
    apiBase: trimSlash(env.TWILIO_API_BASE),
    accountSid,
    username: apiKey ?? accountSid,
    password: apiKey ? env.TWILIO_API_KEY_SECRET! : env.TWILIO_AUTH_TOKEN!,
    from: env.TWILIO_FROM,
    messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
  };
}

function telnyxConfig(env: DeliveryEnv): TelnyxConfig {
  const apiKey = need(env.TELNYX_API_KEY, 'TELNYX_API_KEY', 'when SMS_PROVIDER=telnyx');
  if (!env.TELNYX_FROM && !env.TELNYX_MESSAGING_PROFILE_ID) {
    throw new DeliveryConfigError('TELNYX_FROM', 'required when SMS_PROVIDER=telnyx (or TELNYX_MESSAGING_PROFILE_ID)');
  }
  return { apiBase: trimSlash(env.TELNYX_API_BASE), apiKey, from: env.TELNYX_FROM, messagingProfileId: env.TELNYX_MESSAGING_PROFILE_ID };
}

/** Secrets from WEBHOOK_SECRET: one, or several separated by spaces or commas. */
function webhookSecrets(env: DeliveryEnv): string[] {
  const secrets = (env.WEBHOOK_SECRET ?? '').split(/[\s,]+/).filter(Boolean);
  for (const secret of secrets) {
    const problem = webhookSecretProblem(secret);
    if (problem) throw new DeliveryConfigError('WEBHOOK_SECRET', problem);
  }
  return secrets;
}

/**
 * Checks the delivery variables against each other and against production's rules: `log`
 * (which writes codes to the log) is refused in production, every outbound URL needs a
 * signing secret, and production talks to providers over https only.
 *
 * @throws DeliveryConfigError naming the variable at fault.
 */
export function parseDeliveryConfig(env: DeliveryEnv, production: boolean): { delivery: DeliveryConfig; outbound: OutboundConfig; outbox: OutboxConfig } {
  const smsProvider = env.SMS_PROVIDER ?? (production ? undefined : 'log');
  const emailProvider = env.EMAIL_PROVIDER ?? (production ? undefined : 'log');
  if (production && smsProvider === 'log') throw new DeliveryConfigError('SMS_PROVIDER', 'log writes codes to the log and is refused in production');
  if (production && emailProvider === 'log') throw new DeliveryConfigError('EMAIL_PROVIDER', 'log writes codes to the log and is refused in production');

  const usesWebhook = smsProvider === 'webhook' || emailProvider === 'webhook';
  if (usesWebhook) need(env.DELIVERY_WEBHOOK_URL, 'DELIVERY_WEBHOOK_URL', 'when SMS_PROVIDER or EMAIL_PROVIDER is webhook');
  if (emailProvider === 'smtp') {
    need(env.SMTP_URL, 'SMTP_URL', 'when EMAIL_PROVIDER=smtp');
    need(env.EMAIL_FROM, 'EMAIL_FROM', 'when EMAIL_PROVIDER=smtp');
  }
  const secrets = webhookSecrets(env);
  if (env.DELIVERY_WEBHOOK_URL && secrets.length === 0) throw new DeliveryConfigError('WEBHOOK_SECRET', 'required when DELIVERY_WEBHOOK_URL is set');

  const twilio = smsProvider === 'twilio' ? twilioConfig(env) : undefined;
  const telnyx = smsProvider === 'telnyx' ? telnyxConfig(env) : undefined;
  if (production) {
    const plain: [string, string | undefined][] = [
      ['DELIVERY_WEBHOOK_URL', env.DELIVERY_WEBHOOK_URL],
      ['TWILIO_API_BASE', twilio?.apiBase],
      ['TELNYX_API_BASE', telnyx?.apiBase],
    ];
    for (const [variable, url] of plain) {
      if (url?.startsWith('http://')) throw new DeliveryConfigError(variable, 'must be https in production (codes travel in the body)');
    }
  }

  return {
    delivery: {
      smsProvider,
      emailProvider,
      smtpUrl: env.SMTP_URL,
      emailFrom: env.EMAIL_FROM,
      webhookUrl: env.DELIVERY_WEBHOOK_URL,
      twilio,
      telnyx,
      retryScale: env.DELIVERY_RETRY_SCALE,
    },
    outbound: { webhookSecrets: secrets, allowPrivate: env.OUTBOUND_ALLOW_PRIVATE },
    outbox: {
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      leaseMs: env.OUTBOX_LEASE_MS,
      concurrency: env.OUTBOX_CONCURRENCY,
      retentionDays: env.OUTBOX_RETENTION_DAYS,
    },
  };
}

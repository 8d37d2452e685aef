import { z } from 'zod';
import { databasePasswordWeakness, keyWeakness, secretWeakness } from './secret-strength.ts';
import { DeliveryConfigError, deliveryEnvShape, parseDeliveryConfig, type DeliveryConfig, type OutboundConfig, type OutboxConfig } from './delivery-config.ts';
import type { SecretKeyring } from '../otp/secret-box.ts';

export type { SecretKeyring } from '../otp/secret-box.ts';

export interface AppConfig {
  production: boolean;
  host: string;
  ports: { all: number; config: number; actions: number; status: number };
  /** When set, `/metrics` is served only on this port, by a server of its own. */
  metricsPort: number | undefined;
  database: {
    url: string | undefined;
    dataDir: string;
    migrateOnStart: boolean;
    /** Connections of the pool (PostgreSQL only). */
    poolSize: number;
    /** How long a query waits for a pooled connection before failing as unavailable (503). */
    acquireTimeoutMs: number;
  };
  /** Limits of the HTTP server's connections. */
  connections: { idleTimeoutMs: number; maxConnections: number };
  jwt: {
    secret: Uint8Array | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    /** Longest lifetime (`exp` − `iat`, seconds) a bearer token may claim. */
    maxAgeS: number;
    /** Seconds of clock difference tolerated with the token issuer (`exp`, `nbf`, `iat`, `auth_time`). */
    clockSkewS: number;
  };
  /** Step-up (DESIGN §8): how fresh a second factor must be to change factors. */
  stepUp: {
    /** Oldest `auth_time` (seconds ago) a proof may carry. */
    maxAgeS: number;
    /** The `acr` value that proves a second factor by itself, when the identity provider has one. */
    acr: string | undefined;
  };
  secretKeyring: SecretKeyring;
  /** Where apps reach this service (`burl`); always set in production, see presentationFor. */
  publicBaseUrl: string | undefined;
  logoUrl: string | undefined;
  logLevel: string;
  /** The access log of status polls answered 200 or 304 (the hot path: one line each is most of its cost). */
  pollLog: {
    /** The level their lines are written at; below `logLevel` they are not written at all. */
    level: LogLevel;
    /** Also write one in this many at `info` whatever `level` (0: none), to show polling goes on. */
    sampleEvery: number;
  };
  bodyLimitBytes: number;
  trustProxy: boolean;
  wsAllowedOrigins: string[] | undefined;
  /** Limits of the status WebSocket (`/verification-srv/ws`). */
  websocket: {
    maxSubscriptions: number;
    maxMessageBytes: number;
    maxBufferedBytes: number;
    heartbeatMs: number;
    /** Messages a client may send per second on average (bursts of twice that); 0 turns the limit off. */
    maxMessagesPerSecond: number;
  };
  /** Statuses the per-process status cache keeps; 0 turns it off. */
  statusCacheEntries: number;
  /** Initiations (enrollments, sign-in challenges) per user and tenant per minute; 0 turns the limit off. */
  initiationRateLimit: number;
  /**
   * Requests per user and tenant per minute (bursts of as many) to the authenticated endpoints
   * without a limit of their own (devices, activity, audit, webhooks), per instance; 0 turns it off.
   */
  requestRateLimit: number;
  /** Days ended enrollments and retired exchanges are kept before they are purged. */
  retentionDays: number;
  /** SMS and email delivery: providers and their settings. */
  delivery: DeliveryConfig;
  /** Outbound HTTP requests: signing secrets and the address guard. */
  outbound: OutboundConfig;
  /** The transactional outbox worker. */
  outbox: OutboxConfig;
  /**
   * Whether the demo pages (`/demo/`) and their token minting are served. Never in production:
   * anyone who can reach the demo can sign in as any user.
   */
  demo: boolean;
  /** The audit trail (DESIGN §16). */
  audit: {
    /** Days audit rows are kept before retention deletes them (never below the database's own floor). */
    retentionDays: number;
  };
  /** PUSH (DESIGN §10). */
  push: {
    /** The push gateway that wakes devices (a signed POST per device and challenge); none when unset. */
    webhookUrl: string | undefined;
  };
  /** Tenant webhooks (DESIGN §17). */
  webhooks: {
    /** Multiplies the webhook retry schedule (tests shrink it). */
    retryScale: number;
  };
  /** Values that fell back to development defaults; the caller warns loudly about each. */
  developmentDefaults: string[];
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

// Development defaults are public knowledge: they exist only so `npm start` works on a fresh clone.
export const DEVELOPMENT_JWT_SECRET = 'development-only-jwt-secret-change-me-0123456789';
const DEVELOPMENT_SECRET_KEY = Buffer.alloc(32, 0x42);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const port = z.coerce.number({ error: 'must be a port number from 1 to 65535' }).int().min(1).max(65535);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test'], { error: 'must be production, development or test (or unset)' }).optional(),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(8080),
  CONFIG_PORT: port.default(8081),
  ACTIONS_PORT: port.default(8082),
  STATUS_PORT: port.default(8083),
  METRICS_PORT: port.optional(),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_START: flag.optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_MAX_AGE_S: z.coerce.number().int().min(60).max(30 * 86_400).default(86_400),
  JWT_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(60),
  STEP_UP_MAX_AGE_S: z.coerce.number().int().min(30).max(3600).default(300),
  // Sent back inside a quoted WWW-Authenticate parameter, so no quotes, backslashes or spaces.
  STEP_UP_ACR: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, 'printable ASCII without spaces, quotes or backslashes').optional(),
  SECRET_KEY: z.string().min(1).optional(),
  SECRET_KEY_ID: z.string().regex(KEY_ID, 'letters, digits, _ or -, at most 32').default('k1'),
  PREVIOUS_SECRET_KEYS: z.string().optional(),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  LOGO_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  POLL_LOG_LEVEL: z.enum(LOG_LEVELS).default('debug'),
  POLL_LOG_SAMPLE: z.coerce.number().int().min(0).max(1_000_000).default(0),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  TRUST_PROXY: flag.default(false),
  WS_ALLOWED_ORIGINS: z.string().optional(),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  WS_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(1024 * 1024).default(16 * 1024),
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  WS_HEARTBEAT_MS: z.coerce.number().int().min(50).max(600_000).default(30_000),
  STATUS_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(50_000),
  IDLE_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(30),
  MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  WS_MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(20),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  INITIATION_RATE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(10),
  REQUEST_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(120),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DEMO: flag.optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  WEBHOOK_RETRY_SCALE: z.coerce.number().positive().max(100).default(1),
  PUSH_WEBHOOK_URL: z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').optional(),
  ...deliveryEnvShape,
});

/** Decodes a 32-byte key given as 64 hex characters or as base64. */
export function parseKey(variable: string, value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(variable, 'must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/**
 * The active key plus the old ones still needed to open secrets sealed before a rotation. An
 * id may name one key only: a repeated id, or SECRET_KEY_ID listed again with another key,
 * would make it a matter of order which key opens a row, so both stop the start.
 */
function parseKeyring(env: z.infer<typeof schema>, defaults: string[]): SecretKeyring {
  let active: Buffer;
  if (env.SECRET_KEY) {
    active = parseKey('SECRET_KEY', env.SECRET_KEY);
  } else {
    defaults.push('SECRET_KEY');
    active = DEVELOPMENT_SECRET_KEY;
  }
  const keys = new Map<string, Buffer>([[env.SECRET_KEY_ID, active]]);
  const previous = new Set<string>();
  for (const entry of (env.PREVIOUS_SECRET_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, value] = entry.split(':', 2);
    if (!id || !value) throw new ConfigError('PREVIOUS_SECRET_KEYS', 'expected a comma-separated list of keyId:key');
    if (!KEY_ID.test(id)) throw new ConfigError('PREVIOUS_SECRET_KEYS', `key id ${JSON.stringify(id.slice(0, 40))}: letters, digits, _ or -, at most 32`);
    if (previous.has(id)) throw new ConfigError('PREVIOUS_SECRET_KEYS', `key id ${id} appears more than once`);
    previous.add(id);
    const key = parseKey('PREVIOUS_SECRET_KEYS', value);
    if (id === env.SECRET_KEY_ID) {
      if (!key.equals(active)) throw new ConfigError('PREVIOUS_SECRET_KEYS', `key id ${id} is SECRET_KEY_ID but names a different key`);
      continue;
    }
    keys.set(id, key);
  }
  return { activeKeyId: env.SECRET_KEY_ID, keys };
}

/**
 * Production refuses secrets anyone could know or guess (secret-strength.ts): published
 * defaults and placeholders, keys that are not random, JWT secrets under 256 estimated bits,
 * the database password docker-compose.yml once committed.
 */
function refuseWeakSecrets(env: z.infer<typeof schema>, keyring: SecretKeyring): void {
  const jwtWeakness = env.JWT_SECRET === undefined ? undefined : secretWeakness(env.JWT_SECRET, [DEVELOPMENT_JWT_SECRET]);
  if (jwtWeakness) throw new ConfigError('JWT_SECRET', jwtWeakness);
  const databaseWeakness = env.DATABASE_URL === undefined ? undefined : databasePasswordWeakness(env.DATABASE_URL);
  if (databaseWeakness) throw new ConfigError('DATABASE_URL', databaseWeakness);
  for (const [id, key] of keyring.keys) {
    const weakness = keyWeakness(key, [DEVELOPMENT_SECRET_KEY]);
    if (!weakness) continue;
    if (id === keyring.activeKeyId) throw new ConfigError('SECRET_KEY', weakness);
    throw new ConfigError('PREVIOUS_SECRET_KEYS', `key ${id} ${weakness}`);
  }
}

/**
 * `VAR=` counts as unset, so its default applies: `.env` files, compose's `${VAR:-}` and
 * templated deployments produce empty values for what they mean to leave out.
 */
function withoutEmptyValues(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/**
 * Reads and validates the environment once. Every other module receives the typed result;
 * nothing else reads `process.env`.
 *
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(withoutEmptyValues(source));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const developmentDefaults: string[] = [];

  if (env.JWT_SECRET && env.JWT_JWKS_URL) throw new ConfigError('JWT_SECRET', 'set JWT_SECRET or JWT_JWKS_URL, not both');
  let jwtSecret = env.JWT_SECRET;
  if (!jwtSecret && !env.JWT_JWKS_URL) {
    if (production) throw new ConfigError('JWT_SECRET', 'required in production (or set JWT_JWKS_URL)');
    developmentDefaults.push('JWT_SECRET');
    jwtSecret = DEVELOPMENT_JWT_SECRET;
  }
  if (production && !env.SECRET_KEY) throw new ConfigError('SECRET_KEY', 'required in production');
  // Without them a token minted by any issuer sharing the key (or the JWKS), for any API, would pass.
  if (production && !env.JWT_ISSUER) throw new ConfigError('JWT_ISSUER', 'required in production (the iss your identity provider puts in tokens)');
  if (production && !env.JWT_AUDIENCE) throw new ConfigError('JWT_AUDIENCE', 'required in production (the aud of tokens meant for this service)');
  const secretKeyring = parseKeyring(env, developmentDefaults);
  if (production) refuseWeakSecrets(env, secretKeyring);
  if (production && !env.PUBLIC_BASE_URL) {
    throw new ConfigError('PUBLIC_BASE_URL', 'required in production: the public address apps reach this service at (never taken from the Host header)');
  }
  // The demo mints a bearer token for whoever asks, so it must not be possible to switch it on there.
  if (production && env.DEMO) throw new ConfigError('DEMO', 'cannot be true in production: the demo pages sign anyone in as any user');
  let delivery: ReturnType<typeof parseDeliveryConfig>;
  try {
    delivery = parseDeliveryConfig(env, production);
  } catch (err) {
    if (err instanceof DeliveryConfigError) throw new ConfigError(err.variable, err.message);
    throw err;
  }
  if (env.PUSH_WEBHOOK_URL && delivery.outbound.webhookSecrets.length === 0) {
    throw new ConfigError('WEBHOOK_SECRET', 'required when PUSH_WEBHOOK_URL is set (every outbound request is signed)');
  }

  return {
    production,
    host: env.HOST,
    ports: { all: env.PORT, config: env.CONFIG_PORT, actions: env.ACTIONS_PORT, status: env.STATUS_PORT },
    metricsPort: env.METRICS_PORT,
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      // The embedded database starts empty, so it migrates unless told otherwise.
      migrateOnStart: env.MIGRATE_ON_START ?? env.DATABASE_URL === undefined,
      poolSize: env.DB_POOL_SIZE,
      acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
    },
    connections: { idleTimeoutMs: env.IDLE_TIMEOUT_S * 1000, maxConnections: env.MAX_CONNECTIONS },
    jwt: {
      secret: jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      maxAgeS: env.JWT_MAX_AGE_S,
      clockSkewS: env.JWT_CLOCK_SKEW_S,
    },
    stepUp: { maxAgeS: env.STEP_UP_MAX_AGE_S, acr: env.STEP_UP_ACR },
    secretKeyring,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    logoUrl: env.LOGO_URL,
    logLevel: env.LOG_LEVEL,
    pollLog: { level: env.POLL_LOG_LEVEL, sampleEvery: env.POLL_LOG_SAMPLE },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    wsAllowedOrigins: env.WS_ALLOWED_ORIGINS?.split(',').map((s) => s.trim()).filter(Boolean),
    websocket: {
      maxSubscriptions: env.WS_MAX_SUBSCRIPTIONS,
      maxMessageBytes: env.WS_MAX_MESSAGE_BYTES,
      maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
      heartbeatMs: env.WS_HEARTBEAT_MS,
      maxMessagesPerSecond: env.WS_MAX_MESSAGES_PER_SECOND,
    },
    statusCacheEntries: env.STATUS_CACHE_ENTRIES,
    initiationRateLimit: env.INITIATION_RATE_LIMIT,
    requestRateLimit: env.REQUEST_RATE_LIMIT,
    retentionDays: env.RETENTION_DAYS,
    audit: { retentionDays: env.AUDIT_RETENTION_DAYS },
    webhooks: { retryScale: env.WEBHOOK_RETRY_SCALE },
    push: { webhookUrl: env.PUSH_WEBHOOK_URL },
    ...delivery,
    demo: env.DEMO ?? !production,
    developmentDefaults,
  };
}

import { z } from 'zod';
import { DeliveryConfigError, deliveryEnvShape, parseDeliveryConfig, type DeliveryConfig, type OutboundConfig, type OutboxConfig } from './delivery-config.ts';

/** Key material for secrets at rest: the active key encrypts, every listed key decrypts. */
export interface SecretKeyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export interface AppConfig {
  production: boolean;
  host: string;
  ports: { all: number; config: number; actions: number; status: number };
  database: { url: string | undefined; dataDir: string; migrateOnStart: boolean };
  jwt: { secret: Uint8Array | undefined; jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  secretKeyring: SecretKeyring;
  publicBaseUrl: string | undefined;
  logoUrl: string | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  trustProxy: boolean;
  wsAllowedOrigins: string[] | undefined;
  /** Limits of the status WebSocket (`/verification-srv/ws`). */
  websocket: { maxSubscriptions: number; maxMessageBytes: number; maxBufferedBytes: number; heartbeatMs: number };
  /** Statuses the per-process status cache keeps; 0 turns it off. */
  statusCacheEntries: number;
  /** SMS and email delivery: providers and their settings. */
  delivery: DeliveryConfig;
  /** Outbound HTTP requests: signing secrets and the address guard. */
  outbound: OutboundConfig;
  /** The transactional outbox worker. */
  outbox: OutboxConfig;
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

const port = z.coerce.number({ error: 'must be a port number from 1 to 65535' }).int().min(1).max(65535);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

const schema = z.object({
  NODE_ENV: z.string().optional(),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(8080),
  CONFIG_PORT: port.default(8081),
  ACTIONS_PORT: port.default(8082),
  STATUS_PORT: port.default(8083),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_START: flag.optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  SECRET_KEY: z.string().min(1).optional(),
  SECRET_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or -, at most 32').default('k1'),
  PREVIOUS_SECRET_KEYS: z.string().optional(),
  PUBLIC_BASE_URL: z.string().url().optional(),
  LOGO_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  TRUST_PROXY: flag.default(false),
  WS_ALLOWED_ORIGINS: z.string().optional(),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  WS_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(1024 * 1024).default(16 * 1024),
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  WS_HEARTBEAT_MS: z.coerce.number().int().min(50).max(600_000).default(30_000),
  STATUS_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(50_000),
  ...deliveryEnvShape,
});

/** Decodes a 32-byte key given as 64 hex characters or as base64. */
export function parseKey(variable: string, value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(variable, 'must be 32 bytes, as 64 hex characters or base64');
  return key;
}

function parseKeyring(env: z.infer<typeof schema>, defaults: string[]): SecretKeyring {
  const keys = new Map<string, Buffer>();
  for (const entry of (env.PREVIOUS_SECRET_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, value] = entry.split(':', 2);
    if (!id || !value) throw new ConfigError('PREVIOUS_SECRET_KEYS', 'expected a comma-separated list of keyId:key');
    keys.set(id, parseKey('PREVIOUS_SECRET_KEYS', value));
  }
  if (env.SECRET_KEY) {
    keys.set(env.SECRET_KEY_ID, parseKey('SECRET_KEY', env.SECRET_KEY));
  } else {
    defaults.push('SECRET_KEY');
    keys.set(env.SECRET_KEY_ID, DEVELOPMENT_SECRET_KEY);
  }
  return { activeKeyId: env.SECRET_KEY_ID, keys };
}

/**
 * Reads and validates the environment once. Every other module receives the typed result;
 * nothing else reads `process.env`.
 *
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(source);
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
  const secretKeyring = parseKeyring(env, developmentDefaults);
  let delivery: ReturnType<typeof parseDeliveryConfig>;
  try {
    delivery = parseDeliveryConfig(env, production);
  } catch (err) {
    if (err instanceof DeliveryConfigError) throw new ConfigError(err.variable, err.message);
    throw err;
  }

  return {
    production,
    host: env.HOST,
    ports: { all: env.PORT, config: env.CONFIG_PORT, actions: env.ACTIONS_PORT, status: env.STATUS_PORT },
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      // The embedded database starts empty, so it migrates unless told otherwise.
      migrateOnStart: env.MIGRATE_ON_START ?? env.DATABASE_URL === undefined,
    },
    jwt: {
      secret: jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    secretKeyring,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    logoUrl: env.LOGO_URL,
    logLevel: env.LOG_LEVEL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    wsAllowedOrigins: env.WS_ALLOWED_ORIGINS?.split(',').map((s) => s.trim()).filter(Boolean),
    websocket: {
      maxSubscriptions: env.WS_MAX_SUBSCRIPTIONS,
      maxMessageBytes: env.WS_MAX_MESSAGE_BYTES,
      maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
      heartbeatMs: env.WS_HEARTBEAT_MS,
    },
    statusCacheEntries: env.STATUS_CACHE_ENTRIES,
    ...delivery,
    developmentDefaults,
  };
}

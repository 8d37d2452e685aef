import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/env.ts';
import { productionEnv } from '../../helpers/production.ts';

const HEX_KEY = 'ab'.repeat(32);
const JWT_SECRET = 'a-jwt-secret-that-is-at-least-32-characters-long';

/** The variable a bad environment is refused for (fails the test when it is accepted). */
function refusedVariable(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message.startsWith(`${(err as ConfigError).variable}: `)).toBe(true);
    return (err as ConfigError).variable;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig refuses a bad variable, naming it', () => {
  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['CONFIG_PORT', { CONFIG_PORT: '0' }],
    ['ACTIONS_PORT', { ACTIONS_PORT: '8082.5' }],
    ['STATUS_PORT', { STATUS_PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['SECRET_KEY', { SECRET_KEY: 'ab'.repeat(16) }],
    ['SECRET_KEY', { SECRET_KEY: Buffer.alloc(31).toString('base64') }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['JWT_JWKS_URL', { JWT_JWKS_URL: 'keys.json' }],
    ['JWT_SECRET', { JWT_SECRET, JWT_JWKS_URL: 'https://id.example.test/jwks.json' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['MIGRATE_ON_START', { MIGRATE_ON_START: 'maybe' }],
    ['BODY_LIMIT_BYTES', { BODY_LIMIT_BYTES: '10' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'example.com' }],
    ['PREVIOUS_SECRET_KEYS', { PREVIOUS_SECRET_KEYS: 'no-colon-here' }],
    ['NODE_ENV', { NODE_ENV: 'prod' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'javascript:alert(1)' }],
    ['METRICS_PORT', { METRICS_PORT: 'metrics' }],
    ['STEP_UP_MAX_AGE_S', { STEP_UP_MAX_AGE_S: '29' }],
    ['STEP_UP_MAX_AGE_S', { STEP_UP_MAX_AGE_S: '3601' }],
    ['STEP_UP_ACR', { STEP_UP_ACR: 'two words' }],
    ['STEP_UP_ACR', { STEP_UP_ACR: 'say "mfa"' }],
    ['JWT_MAX_AGE_S', { JWT_MAX_AGE_S: '59' }],
    ['JWT_CLOCK_SKEW_S', { JWT_CLOCK_SKEW_S: '301' }],
    ['IDLE_TIMEOUT_S', { IDLE_TIMEOUT_S: '0' }],
    ['MAX_CONNECTIONS', { MAX_CONNECTIONS: 'many' }],
    ['WS_MAX_MESSAGES_PER_SECOND', { WS_MAX_MESSAGES_PER_SECOND: '-1' }],
    ['DB_POOL_SIZE', { DB_POOL_SIZE: '0' }],
    ['DB_ACQUIRE_TIMEOUT_MS', { DB_ACQUIRE_TIMEOUT_MS: '1.5' }],
    ['INITIATION_RATE_LIMIT', { INITIATION_RATE_LIMIT: 'ten' }],
    ['REQUEST_RATE_LIMIT', { REQUEST_RATE_LIMIT: '-1' }],
    ['REQUEST_RATE_LIMIT', { REQUEST_RATE_LIMIT: 'lots' }],
    ['RETENTION_DAYS', { RETENTION_DAYS: '0' }],
    ['AUDIT_RETENTION_DAYS', { AUDIT_RETENTION_DAYS: '0' }],
    ['AUDIT_RETENTION_DAYS', { AUDIT_RETENTION_DAYS: '3651' }],
    ['WEBHOOK_RETRY_SCALE', { WEBHOOK_RETRY_SCALE: '0' }],
    ['WEBHOOK_RETRY_SCALE', { WEBHOOK_RETRY_SCALE: 'fast' }],
  ])('%s in %j', (variable, env) => {
    expect(refusedVariable(env)).toBe(variable);
  });

  it('refuses production without SECRET_KEY', () => {
    expect(refusedVariable({ NODE_ENV: 'production', JWT_SECRET })).toBe('SECRET_KEY');
  });

  it('refuses production without JWT_SECRET or JWT_JWKS_URL', () => {
    expect(refusedVariable({ NODE_ENV: 'production', SECRET_KEY: HEX_KEY })).toBe('JWT_SECRET');
  });
});

describe('loadConfig accepts a good environment', () => {
  it('takes SECRET_KEY as 64 hex characters', () => {
    const config = loadConfig({ SECRET_KEY: HEX_KEY, JWT_SECRET });
    expect(config.secretKeyring.keys.get(config.secretKeyring.activeKeyId)).toEqual(Buffer.from(HEX_KEY, 'hex'));
  });

  it('takes SECRET_KEY as base64 of 32 bytes', () => {
    const key = Buffer.alloc(32, 7);
    const config = loadConfig({ SECRET_KEY: key.toString('base64'), JWT_SECRET });
    expect(config.secretKeyring.keys.get(config.secretKeyring.activeKeyId)).toEqual(key);
  });

  it('runs in production with both secrets set and reports no development default', () => {
    const config = loadConfig(productionEnv({ DATABASE_URL: 'postgres://db/verification' }));
    expect(config.production).toBe(true);
    expect(config.developmentDefaults).toEqual([]);
  });

  it('takes JWT_JWKS_URL instead of a secret', () => {
    const config = loadConfig({ JWT_JWKS_URL: 'https://id.example.test/jwks.json', SECRET_KEY: HEX_KEY });
    expect(config.jwt).toMatchObject({ secret: undefined, jwksUrl: 'https://id.example.test/jwks.json' });
    expect(config.developmentDefaults).toEqual([]);
  });
});

describe('loadConfig defaults for a first run', () => {
  it('asks for a second factor proved within 5 minutes, with no acr, for step-up', () => {
    expect(loadConfig({}).stepUp).toEqual({ maxAgeS: 300, acr: undefined });
  });

  it('accepts bearer tokens living up to 24 h, with 60 s of clock skew', () => {
    expect(loadConfig({}).jwt).toMatchObject({ maxAgeS: 86_400, clockSkewS: 60 });
  });

  it('reports JWT_SECRET and SECRET_KEY as development defaults when unset', () => {
    expect(loadConfig({}).developmentDefaults.sort()).toEqual(['JWT_SECRET', 'SECRET_KEY']);
  });

  it('listens on 8080 for all services and 8081–8083 for each alone', () => {
    expect(loadConfig({}).ports).toEqual({ all: 8080, config: 8081, actions: 8082, status: 8083 });
  });

  it('closes idle connections after 30 s and accepts at most 10000', () => {
    expect(loadConfig({}).connections).toEqual({ idleTimeoutMs: 30_000, maxConnections: 10_000 });
  });

  it('keeps audit rows a year and retries webhooks on the full schedule', () => {
    const config = loadConfig({});
    expect(config.audit).toEqual({ retentionDays: 365 });
    expect(config.webhooks).toEqual({ retryScale: 1 });
  });

  it('limits WebSocket clients to 20 messages a second, initiations to 10 a minute, other requests to 120 a minute, and keeps ended records 30 days', () => {
    const config = loadConfig({});
    expect(config.websocket.maxMessagesPerSecond).toBe(20);
    expect(config.initiationRateLimit).toBe(10);
    expect(config.requestRateLimit).toBe(120);
    expect(config.retentionDays).toBe(30);
  });

  it('uses the embedded database under .data and migrates it at start', () => {
    expect(loadConfig({}).database).toEqual({ url: undefined, dataDir: '.data', migrateOnStart: true, poolSize: 10, acquireTimeoutMs: 5_000 });
  });

  it('does not migrate a DATABASE_URL at start unless MIGRATE_ON_START says so', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/v' }).database.migrateOnStart).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/v', MIGRATE_ON_START: 'true' }).database.migrateOnStart).toBe(true);
  });
});

describe('loadConfig treats an empty variable as unset', () => {
  it('runs on the embedded database with DATABASE_URL=', () => {
    expect(loadConfig({ DATABASE_URL: '' }).database).toMatchObject({ url: undefined, dataDir: '.data', migrateOnStart: true });
  });

  it('falls back to the default of any empty or blank variable', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: ' ', NODE_ENV: '', PUBLIC_BASE_URL: '', METRICS_PORT: '' });
    expect(config).toMatchObject({ ports: { all: 8080 }, logLevel: 'info', production: false, publicBaseUrl: undefined, metricsPort: undefined });
  });

  it('still refuses production when an empty variable leaves a required secret unset', () => {
    expect(refusedVariable(productionEnv({ SECRET_KEY: '' }))).toBe('SECRET_KEY');
  });
});

describe('NODE_ENV', () => {
  it.each(['development', 'test'])('%s is not production', (value) => {
    expect(loadConfig({ NODE_ENV: value }).production).toBe(false);
  });

  it('production is production', () => {
    expect(loadConfig(productionEnv()).production).toBe(true);
  });
});

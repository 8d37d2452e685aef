import { randomBytes } from 'node:crypto';
import { issueToken } from '../../shared/auth/issue-token.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.ts';

/**
 * Secrets of the kind an operator generates (`openssl rand`), fresh for each test run, so that
 * production's refusal of published and guessable values lets them through.
 */
export const PRODUCTION_SECRETS = {
  JWT_SECRET: randomBytes(32).toString('base64'),
  SECRET_KEY: randomBytes(32).toString('hex'),
} as const;

export const PUBLIC_BASE_URL = 'https://verify.example.test';
const ISSUER = 'https://id.example.test';
const AUDIENCE = 'verification-service';

/** A complete production environment: NODE_ENV, generated secrets, issuer, audience, public address. */
export function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ...PRODUCTION_SECRETS,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    PUBLIC_BASE_URL,
    ...overrides,
  };
}

/**
 * A test server configured as production is, whose `token()` signs with the production secret
 * for the configured issuer and audience.
 */
export async function startProductionServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer({ ...options, env: productionEnv(options.env) });
  const secret = new TextEncoder().encode(PRODUCTION_SECRETS.JWT_SECRET);
  return { ...server, token: (claims) => issueToken(secret, { issuer: ISSUER, audience: AUDIENCE, ...claims }) };
}

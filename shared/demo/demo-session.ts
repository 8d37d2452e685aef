import { decodeJwt } from 'jose';
import { issueToken } from '../auth/issue-token.ts';
import { DEFAULT_TENANT } from '../auth/principal.ts';
import type { AppConfig } from '../config/env.ts';
import { VerificationError } from '../errors/verification-error.ts';

/** Who the demo pages sign in as: a user name and, optionally, a tenant. */
export interface DemoSessionRequest {
  sub: string;
  tenant?: string;
}

/** What `POST /demo/session` answers: the bearer token the pages keep in sessionStorage. */
export interface DemoSession {
  token: string;
  sub: string;
  tenant: string;
  expires_at: string;
}

// An hour, like `npm run token`, unless JWT_MAX_AGE_S allows less (a longer token is refused).
const LIFETIME_S = 3600;

/**
 * Mints a first-factor bearer token for the demo pages, as `npm run token` does on the command
 * line: signed with `JWT_SECRET` for the configured issuer and audience, with no scope and no
 * `amr`, so it proves a password at most and step-up applies to it like to any user's token.
 *
 * @throws VerificationError ROUTE_NOT_FOUND when the demo is off (never on in production);
 *   DEMO_SIGN_IN_UNAVAILABLE when tokens come from a JWKS, whose private key this service lacks.
 */
export async function mintDemoSession(
  config: Pick<AppConfig, 'demo' | 'production' | 'jwt'>,
  { sub, tenant }: DemoSessionRequest,
): Promise<DemoSession> {
  // loadConfig already refuses DEMO in production; this holds even for a config built by hand.
  if (!config.demo || config.production) throw new VerificationError('ROUTE_NOT_FOUND');
  if (!config.jwt.secret) {
    throw new VerificationError('DEMO_SIGN_IN_UNAVAILABLE', 'tokens are verified with JWT_JWKS_URL: paste a token from your identity provider');
  }
  const token = await issueToken(config.jwt.secret, {
    sub,
    tenant,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresIn: `${Math.min(LIFETIME_S, config.jwt.maxAgeS)}s`,
  });
  // Token lifetimes run on the wall clock (the verifier's too), so the answer reads it from the token.
  const { exp } = decodeJwt(token);
  return { token, sub, tenant: tenant ?? DEFAULT_TENANT, expires_at: new Date(exp! * 1000).toISOString() };
}

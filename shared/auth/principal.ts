import { VerificationError } from '../errors/verification-error.ts';

export const DEFAULT_TENANT = 'default';

export const SCOPES = {
  admin: 'verification:admin',
  service: 'verification:service',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/**
 * How the identity provider says the user signed in (OIDC `amr`, `acr`, `auth_time`). Claims
 * that are absent or malformed are left empty: they can only ever fail to prove a step-up.
 */
export interface SignInEvidence {
  /** Authentication method references (RFC 8176), e.g. `["pwd", "otp"]`. */
  amr: readonly string[];
  acr: string | undefined;
  /** When the user signed in, in seconds since the epoch. */
  authTime: number | undefined;
}

/** Who is calling, as the verified bearer token says. */
export interface Principal {
  sub: string;
  tenantId: string;
  scopes: ReadonlySet<string>;
  /** What authenticator apps show as the account: the token's name claims, else `sub`. */
  displayName: string;
  signIn: SignInEvidence;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/** The 403 for a token that lacks `scope`, with the header RFC 6750 asks for. */
export function insufficientScope(scope: Scope, detail = `this operation needs the scope ${scope}`): VerificationError {
  return new VerificationError('INSUFFICIENT_SCOPE', detail, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  });
}

/** @throws VerificationError INSUFFICIENT_SCOPE when the token lacks `scope`. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) throw insufficientScope(scope);
}

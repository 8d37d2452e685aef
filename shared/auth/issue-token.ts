import { SignJWT } from 'jose';

export interface TokenClaims {
  sub: string;
  tenant?: string;
  scope?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string;
  /** Authentication method references (RFC 8176), e.g. `['pwd', 'otp']`: how the user signed in. */
  amr?: string[];
  /** Authentication context class reference the sign-in satisfied. */
  acr?: string;
  /** When the user signed in, in seconds since the epoch. */
  authTime?: number;
  /** Further claims, e.g. `name` for how authenticator apps label the account. */
  extra?: Record<string, string>;
}

/** Signs an HS256 token for local use and tests; production tokens come from the identity provider. */
export function issueToken(secret: Uint8Array, claims: TokenClaims): Promise<string> {
  const jwt = new SignJWT({
    ...claims.extra,
    ...(claims.tenant ? { tid: claims.tenant } : {}),
    ...(claims.scope ? { scope: claims.scope } : {}),
    ...(claims.amr ? { amr: claims.amr } : {}),
    ...(claims.acr ? { acr: claims.acr } : {}),
    ...(claims.authTime !== undefined ? { auth_time: claims.authTime } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '1h');
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(secret);
}

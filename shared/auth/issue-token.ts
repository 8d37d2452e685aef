import { SignJWT } from 'jose';

export interface TokenClaims {
  sub: string;
  tenant?: string;
  scope?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string;
  /** Further claims, e.g. `name` for how authenticator apps label the account. */
  extra?: Record<string, string>;
}

/** Signs an HS256 token for local use and tests; production tokens come from the identity provider. */
export function issueToken(secret: Uint8Array, claims: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ ...claims.extra, ...(claims.tenant ? { tid: claims.tenant } : {}), ...(claims.scope ? { scope: claims.scope } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '1h');
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(secret);
}

import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface JwksServer {
  /** Where the server publishes its public keys. */
  url: string;
  /** Signs `payload` (RS256) with the published key; `iat` and a 5-minute `exp` unless given. */
  sign(payload: JWTPayload): Promise<string>;
  /** The published public key, for algorithm-confusion tests. */
  publicJwk: JWK;
  close(): Promise<void>;
}

/** A stand-in identity provider: one generated RS256 key, published as a JWKS on 127.0.0.1. */
export async function startJwksServer(): Promise<JwksServer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publicJwk,
    sign: (payload) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iat: now, exp: now + 300, ...payload }).setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid! }).sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Prints a bearer token signed with JWT_SECRET (or the development default) as its last line.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../shared/config/env.ts';
import { issueToken } from '../shared/auth/issue-token.ts';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    tenant: { type: 'string' },
    scope: { type: 'string' },
    'expires-in': { type: 'string', default: '1h' },
  },
});

try {
  const config = loadConfig();
  if (!values.sub) throw new ConfigError('--sub', 'required, e.g. npm run token -- --sub alice');
  if (!config.jwt.secret) throw new ConfigError('JWT_SECRET', 'tokens can only be minted with JWT_SECRET, not JWT_JWKS_URL');
  if (config.developmentDefaults.includes('JWT_SECRET')) console.error('note: signed with the development JWT secret');
  const token = await issueToken(config.jwt.secret, {
    sub: values.sub,
    tenant: values.tenant,
    scope: values.scope,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresIn: values['expires-in'],
  });
  console.log(token);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}

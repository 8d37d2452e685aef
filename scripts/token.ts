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
    // Step-up claims (DESIGN §8): --amr otp says the user just proved a second factor.
    amr: { type: 'string', multiple: true },
    'auth-time': { type: 'string' },
    acr: { type: 'string' },
  },
});

/** `--auth-time` in seconds since the epoch; with only `--amr` the sign-in happened now. */
function authTimeOf(): number | undefined {
  const given = values['auth-time'];
  if (given === undefined) return values.amr ? Math.floor(Date.now() / 1000) : undefined;
  if (!/^[0-9]{1,12}$/.test(given)) throw new ConfigError('--auth-time', 'must be seconds since the epoch, e.g. $(date +%s)');
  return Number(given);
}

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
    amr: values.amr,
    acr: values.acr,
    authTime: authTimeOf(),
  });
  console.log(token);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}

// Diagnostic (`npx tsx bench/count-queries.ts`): prints the SQL statements, in order, of one
// enrollment (initiate + profile verification) and one wrong-code sign-in verification of a
// tenant already seen, counted on pg's Client.query (the listening connection left out): each
// is one sequential round trip to PostgreSQL.
import pg from 'pg';
import { actionsService } from '../services/actions/index.ts';
import { issueToken } from '../shared/auth/issue-token.ts';
import { generateCode } from '../shared/otp/index.ts';
import { createBenchEnvironment } from './harness/environment.ts';

const log: string[] = [];
let counting = false;
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0];
  const text = typeof first === 'string' ? first : (first as { text?: string })?.text;
  if (counting && text && (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name !== 'verification-listener') {
    log.push(text.replace(/\s+/g, ' ').slice(0, 140));
  }
  return original.apply(this, args);
};

const bench = await createBenchEnvironment();
const service = await bench.serve([actionsService]);
const key = new TextEncoder().encode('bench-secret-that-is-long-enough-for-hs256-0123456789');
async function post(path: string, body: unknown, token: string) {
  const res = await fetch(`${service.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
async function enroll(sub: string) {
  const token = await issueToken(key, { sub, tenant: 'count-tenant' });
  const offer = await post('/verification-actions-srv/setup/totp/initiation', {}, token);
  const code = generateCode(String(offer.json.totp_secret), { algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
  const done = await post('/verification-actions-srv/setup/totp/verification', { exchange_id: (offer.json.exchange_id as { exchange_id: string }).exchange_id, pass_code: code }, token);
  return { token, offer, done };
}
await enroll('warm-1');
await new Promise((r) => setTimeout(r, 200));
counting = true;
const { token } = await enroll('count-1');
counting = false;
console.log(`enrollment: ${log.length} statements`);
for (const l of log) console.log('  ', l);
log.length = 0;
await post('/verification-srv/authentication/totp/verification', { pass_code: '000000' }, token);
counting = true;
const wrong = await post('/verification-srv/authentication/totp/verification', { pass_code: '000001' }, token);
counting = false;
console.log(`sign-in (wrong code, ${wrong.status}): ${log.length} statements`);
for (const l of log) console.log('  ', l);
await bench.close();

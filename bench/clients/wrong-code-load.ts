// Load client for the audit-trail scenario, run as its own process. It enrolls `users` fresh
// users of one tenant (not timed), then `concurrency` loops send wrong sign-in codes for random
// users among them until `seconds` pass. Every such request records exactly one security event
// (authentication.wrong_code, or authentication.throttled once the user is in backoff or
// locked out), so requests per second are audited transitions per second. Prints one JSON line.
// With `target`, the timed loop posts to that base URL instead (a baseline server answering the
// same path), after enrolling on `baseUrl`.
import { randomUUID } from 'node:crypto';
import { issueToken } from '../../shared/auth/issue-token.ts';
import { generateCode } from '../../shared/otp/index.ts';
import { quantile } from '../harness/quantile.ts';

const [baseUrl, secret, tenant, usersArg, concurrencyArg, secondsArg, targetArg] = process.argv.slice(2);
if (!baseUrl || !secret || !tenant) {
  console.error('usage: wrong-code-load <url> <jwt-secret> <tenant> <users> <concurrency> <seconds> [target-url]');
  process.exit(2);
}
const users = Number(usersArg ?? 100);
const concurrency = Number(concurrencyArg ?? 20);
const seconds = Number(secondsArg ?? 5);
const key = new TextEncoder().encode(secret);
const run = randomUUID().slice(0, 8);
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

async function post(path: string, body: unknown, token: string, base = baseUrl): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface User {
  token: string;
  secret: string;
}

async function enroll(i: number): Promise<User> {
  const token = await issueToken(key, { sub: `bench-wc-${run}-${i}`, tenant });
  const offer = await post('/verification-actions-srv/setup/totp/initiation', {}, token);
  if (offer.status !== 201) throw new Error(`initiation: ${offer.status} ${JSON.stringify(offer.json)}`);
  const totpSecret = String(offer.json.totp_secret);
  const done = await post(
    '/verification-actions-srv/setup/totp/verification',
    { exchange_id: (offer.json.exchange_id as { exchange_id: string }).exchange_id, pass_code: generateCode(totpSecret, PARAMS, Date.now()) },
    token,
  );
  if (done.status !== 200) throw new Error(`verification: ${done.status} ${JSON.stringify(done.json)}`);
  return { token, secret: totpSecret };
}

/** A code no authenticator of `user` accepts now (none of the codes within ±2 steps). */
function wrongCode(user: User): string {
  const now = Date.now();
  const near = new Set([-2, -1, 0, 1, 2].map((k) => generateCode(user.secret, PARAMS, now + k * 30_000)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

const enrolled: User[] = [];
for (let i = 0; i < users; i += 10) {
  enrolled.push(...(await Promise.all(Array.from({ length: Math.min(10, users - i) }, (_, k) => enroll(i + k)))));
}

const latencies: number[] = [];
let failures = 0;
const deadline = Date.now() + seconds * 1000;
async function loop(): Promise<void> {
  while (Date.now() < deadline) {
    const user = enrolled[Math.floor(Math.random() * enrolled.length)]!;
    const started = performance.now();
    const res = await post('/verification-srv/authentication/totp/verification', { pass_code: wrongCode(user) }, user.token, targetArg ?? baseUrl);
    // 400 wrong code, 429 refused while in backoff: both are one recorded attempt.
    if (res.status === 400 || res.status === 429) latencies.push(performance.now() - started);
    else if (++failures <= 3) console.error(`unexpected ${res.status} ${JSON.stringify(res.json)}`);
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => loop()));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ completed: latencies.length, failures, seconds: elapsed, p50: quantile(latencies, 0.5, 0), p99: quantile(latencies, 0.99, 0) }));

// Load client for the enrollment scenario, run as its own process so the server's CPU time is
// the server's alone. Each of `concurrency` loops enrolls fresh users (initiate, then complete
// with the first code) until `seconds` pass, then prints one JSON line of figures.
import { randomUUID } from 'node:crypto';
import { issueToken } from '../../shared/auth/issue-token.ts';
import { generateCode } from '../../shared/otp/index.ts';
import { quantile } from '../harness/quantile.ts';

const [mode, baseUrl, secret, concurrencyArg, secondsArg] = process.argv.slice(2);
if (!['service', 'service-no-qr', 'baseline', 'floor', 'floor-qr'].includes(mode ?? '') || !baseUrl || !secret) {
  console.error('usage: enrollment-load service|service-no-qr|baseline|floor|floor-qr <url> <jwt-secret> <concurrency> <seconds>');
  process.exit(2);
}
const concurrency = Number(concurrencyArg ?? 20);
const deadline = Date.now() + Number(secondsArg ?? 5) * 1000;
const key = new TextEncoder().encode(secret);
// Users of an earlier run (the warm-up) already have a factor; a fresh one needs no step-up.
const run = randomUUID().slice(0, 8);
const latencies: number[] = [];
let failures = 0;

async function post(path: string, body: unknown, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function enrollOnce(worker: number, n: number): Promise<void> {
  const token = await issueToken(key, { sub: `bench-${run}-${worker}-${n}`, tenant: 'bench-enroll' });
  const started = performance.now();
  if (mode === 'service' || mode === 'service-no-qr') {
    const query = mode === 'service' ? '' : '?qr=none';
    const offer = await post(`/verification-actions-srv/setup/totp/initiation${query}`, {}, token);
    const code = generateCode(String(offer.totp_secret), { algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    await post('/verification-actions-srv/setup/totp/verification', {
      exchange_id: (offer.exchange_id as { exchange_id: string }).exchange_id,
      pass_code: code,
    }, token);
  } else if (mode === 'floor' || mode === 'floor-qr') {
    const offer = await post(mode === 'floor' ? '/floor/initiate' : '/floor/initiate?qr=png', {}, token);
    const code = generateCode(String(offer.secret), { algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    await post('/floor/complete', { exchange_id: offer.exchange_id, pass_code: code }, token);
  } else {
    const row = await post('/baseline/initiate', {}, token);
    await post('/baseline/complete', { id: row.id }, token);
  }
  latencies.push(performance.now() - started);
}

async function loop(worker: number): Promise<void> {
  for (let n = 0; Date.now() < deadline; n++) {
    try {
      await enrollOnce(worker, n);
    } catch (err) {
      failures++;
      if (failures <= 3) console.error(String(err));
    }
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ completed: latencies.length, failures, seconds: elapsed, p50: quantile(latencies, 0.5, 0), p99: quantile(latencies, 0.99, 0) }));

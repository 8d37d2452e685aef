import { randomUUID } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import { actionsService } from '../../services/actions/index.ts';
import { statusService } from '../../services/status/index.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

// The PUSH sign-in round trip (DESIGN §10) at 200 challenges in flight: the sign-in page starts
// a challenge and long-polls its status; the user's device, long-polling its pending
// challenges, receives it, and approves it with the number the page shows; the page sees
// AUTHENTICATED. Timed from the initiation request to the status answer. The baseline, in the
// same run and at the same concurrency, is the bare NOTIFY round trip: `SELECT pg_notify`
// on one connection until a LISTEN connection receives it. Target: p99 ≤ 2× the baseline's.

// BENCH_PUSH_USERS overrides it, to see the round trip without the queueing.
const USERS = Number(process.env.BENCH_PUSH_USERS ?? 200);
const ROUNDS = 5;
const CHANNEL = 'bench_push_notify';
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

interface Device {
  phId: string;
  key: CryptoKey;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  return json(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) }));
}

/** Enrolls a fresh ES256 device for the user through the app path (initiate, scan, enroll). */
async function enrollDevice(base: string, token: string): Promise<Device> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const offer = await post(`${base}/verification-actions-srv/setup/push/initiation`, {}, token);
  const uri = new URL(String(offer.push_uri));
  const eid = uri.searchParams.get('eid')!;
  const cid = uri.searchParams.get('cid')!;
  const device = { exchange_id: eid, client_id: cid, device_id: `bench-${randomUUID().slice(0, 8)}` };
  await post(`${base}/verification-actions-srv/setup/push/scan`, device);
  const proof = await new CompactSign(new TextEncoder().encode(JSON.stringify({ exchange_id: eid }))).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const enrolled = await post(`${base}/verification-srv/v2/setup/enroll/push`, { ...device, public_key: await exportJWK(publicKey), proof });
  return { phId: String(enrolled.ph_id), key: privateKey };
}

const deviceToken = (d: Device) =>
  new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: d.phId }).setAudience('verification-device').setIssuedAt().setExpirationTime('60s').setJti(randomUUID()).sign(d.key);

/**
 * The device: long-polls its pending challenges and approves each with the number the user
 * reads off the sign-in page (`numbers`), until `stop`.
 */
async function runDevice(base: string, device: Device, numbers: Map<string, string>, stop: { done: boolean }): Promise<void> {
  const answered = new Set<string>();
  while (!stop.done) {
    const res = await fetch(`${base}/verification-srv/v2/devices/challenges?wait=5`, { headers: { authorization: `Device ${await deviceToken(device)}` } });
    const { challenges } = (await json(res)) as { challenges: { exchange_id: string }[] };
    for (const { exchange_id: exchangeId } of challenges) {
      const number = numbers.get(exchangeId);
      if (answered.has(exchangeId) || number === undefined) continue;
      answered.add(exchangeId);
      const iat = Math.floor(Date.now() / 1000);
      const payload = { exchange_id: exchangeId, decision: 'approve', number, iat, exp: iat + 60 };
      const response = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.phId }).sign(device.key);
      await post(`${base}/verification-srv/v2/authenticate/push/response`, { response });
    }
  }
}

/** The sign-in page: starts a challenge, shows its number, long-polls its status until it is decided. */
async function signInRound(base: string, token: string, numbers: Map<string, string>): Promise<number> {
  const started = performance.now();
  const offer = await post(`${base}/verification-srv/authentication/push/initiation`, { message: 'Sign in (bench)' }, token);
  const exchangeId = (offer.exchange_id as { exchange_id: string }).exchange_id;
  numbers.set(exchangeId, String(offer.number));
  let etag = '';
  for (;;) {
    const res = await fetch(`${base}/verification-srv/verificationstatus/${String(offer.status_id)}?wait=30`, { headers: etag ? { 'if-none-match': etag } : {} });
    if (res.status === 304) continue;
    etag = res.headers.get('etag') ?? '';
    const status = (await json(res)).status;
    if (status === 'AUTHENTICATED') break;
    if (status !== 'INITIATED') throw new Error(`challenge ended ${String(status)}`);
  }
  const elapsed = performance.now() - started;
  await post(`${base}/verification-srv/authentication/push/verification`, { exchange_id: exchangeId }, token);
  return elapsed;
}

function asMeasurement(label: string, latencies: number[], seconds: number, errors: number): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { label, requestsPerSecond: sorted.length / seconds, latencyP50Ms: quantile(sorted, 0.5), latencyP99Ms: quantile(sorted, 0.99), requests: sorted.length, errors, non2xx: 0 };
}

/** `USERS` loops of `ROUNDS` NOTIFY round trips each, on a pool of `USERS` connections and one LISTEN connection. */
async function bareNotify(databaseUrl: string): Promise<Measurement> {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  const waiting = new Map<string, () => void>();
  listener.on('notification', (msg) => waiting.get(msg.payload ?? '')?.());
  await listener.query(`LISTEN ${CHANNEL}`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, user) => {
      for (let round = 0; round < ROUNDS; round++) {
        const id = `${user}:${round}`;
        const received = new Promise<void>((resolve) => waiting.set(id, resolve));
        const t0 = performance.now();
        await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, id]);
        await received;
        latencies.push(performance.now() - t0);
        waiting.delete(id);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  await listener.end();
  return asMeasurement(`bare NOTIFY round trip, ${USERS} concurrent`, latencies, seconds, 0);
}

/**
 * 200 users, each with an enrolled device, sign in 5 times each, all 200 at once; the service
 * (actions + status on one instance, as `npm start` runs them) with the initiation rate limit
 * off, as DESIGN §7 advises for load tests.
 */
export default async function pushRoundTrip(bench: BenchEnvironment, _load: LoadOptions): Promise<Comparison[]> {
  const deps = { ...bench.deps, config: { ...bench.deps.config, initiationRateLimit: 0 } };
  const server = await bench.serve([actionsService, statusService], deps);
  const base = server.url;
  const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => bench.token({ sub: `bench-push-${i}`, tenant: 'bench-push' })));
  const devices: Device[] = [];
  for (let i = 0; i < USERS; i += 20) devices.push(...(await Promise.all(tokens.slice(i, i + 20).map((t) => enrollDevice(base, t)))));

  const numbers = new Map<string, string>();
  const stop = { done: false };
  const deviceLoops = devices.map((d) => runDevice(base, d, numbers, stop));
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      for (let round = 0; round < ROUNDS; round++) {
        try {
          latencies.push(await signInRound(base, token, numbers));
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  stop.done = true;
  await Promise.all(deviceLoops);
  const subject = asMeasurement(`PUSH initiate -> device approves -> AUTHENTICATED seen, ${USERS} concurrent`, latencies, seconds, errors);
  const baseline = await bareNotify(bench.deps.config.database.url!);
  const ms = (n: number) => n.toFixed(1);
  return [
    {
      figure: `PUSH sign-in round trip, ${USERS} challenges in flight (req/s = round trips/s)`,
      subject,
      baseline,
      notes: [
        `round trip p50/p99: ${ms(subject.latencyP50Ms)}/${ms(subject.latencyP99Ms)} ms; bare NOTIFY p50/p99: ${ms(baseline.latencyP50Ms)}/${ms(baseline.latencyP99Ms)} ms`,
        `p99 ratio ${(subject.latencyP99Ms / baseline.latencyP99Ms).toFixed(1)}x (target <= 2x); the round trip is 3 HTTP requests, 2 long polls, 3 transactions and 3 JWS checks`,
      ],
    },
  ];
}

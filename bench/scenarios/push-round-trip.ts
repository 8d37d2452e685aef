import { randomUUID } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { actionsService } from '../../services/actions/index.ts';
import { statusService } from '../../services/status/index.ts';
import { countingDatabase, type QueryCounts } from '../harness/counting-database.ts';
import { createPostgresDatabase } from '../../shared/db/postgres.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

// The PUSH sign-in round trip (DESIGN §10) with N challenges in flight (200 by default;
// BENCH_PUSH_USERS=20 shows it without the queueing): the sign-in page starts a challenge and
// long-polls its status; the user's device, long-polling its pending challenges, receives it and
// approves it with the number the page shows; the page sees AUTHENTICATED. Timed from the
// initiation request to the status answer.
//
// Two baselines, each measured in the same run, at the same concurrency and on a pool of the
// service's size (DB_POOL_SIZE, or BENCH_PUSH_POOL to try another), so the queueing in front of
// PostgreSQL is the same. Each is measured half before and half after the round trips, and the
// halves pooled, so a burst of someone else's load on the shared CPU falls on both sides:
// - the bare NOTIFY round trip (the target, p99 <= 2x): `SELECT pg_notify` on a pooled
//   connection until a LISTEN connection receives it. No commit is flushed (a NOTIFY alone
//   writes no WAL), so it is the cost of one wake-up, not of a sign-in.
// - the floor of any implementation of the design, with no HTTP and no signatures: the page
//   commits a row and a NOTIFY (the challenge), the device's listener hears it and commits an
//   update and a NOTIFY (the decision), the page's listener hears that. Two durable commits
//   (synchronous_commit stays on) and two wake-ups: what a round trip cannot do without.
// The CPU is shared while this runs: read the ratios, not the milliseconds.
//
// Where a round trip waits (the phases printed): initiate = one transaction of ~10 statements
// (method active, tenant, devices, the user's PUSH lock, lockout/pending/devices in one read,
// the announcement, the insert, its status NOTIFY) and its commit; initiated -> device = the
// NOTIFY to the device's long poll or feed, then one statement reading the list with the device;
// answer = the device's signing, one lookup of the signer, a transaction of ~8 statements
// (lock, device re-check, challenge lock, update + status NOTIFY, audit row, webhook lookup) and
// its commit; answered -> page = the status NOTIFY to the page's long poll (no read). With long
// polls the device's next poll commits its token's jti before it listens again, so a challenge
// started in that window waits for that commit too. Under load each pool checkout queues
// behind everyone's statements: at 200 in flight the round trips/s stay what they are at 20 and
// the latency is the queue (Little's law), so fewer statements per round trip is what helps.

const USERS = Number(process.env.BENCH_PUSH_USERS ?? 200);
/** The device listens over the status WebSocket rather than long-polling. */
const SOCKET_DEVICES = process.env.BENCH_PUSH_DEVICE === 'ws';
// At least 1000 round trips, so the p99 is not the second-worst of a hundred samples.
const ROUNDS = Math.max(5, Math.ceil(1000 / USERS));
const CHANNEL = 'bench_push_notify';
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const ms = (n: number) => n.toFixed(1);

interface Device {
  phId: string;
  key: CryptoKey;
}

/** HTTP requests the bench clients sent, per kind. */
const requests = { initiate: 0, devicePoll: 0, answer: 0, statusPoll: 0 };

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
 * What the sign-in page shows the user: the number of each challenge. The device waits for it
 * (the user reads it off the screen) instead of polling again for a challenge it cannot answer yet.
 */
class Screen {
  readonly #numbers = new Map<string, string>();
  readonly #waiting = new Map<string, (number: string) => void>();

  show(exchangeId: string, number: string): void {
    this.#numbers.set(exchangeId, number);
    this.#waiting.get(exchangeId)?.(number);
  }

  read(exchangeId: string): Promise<string> {
    const shown = this.#numbers.get(exchangeId);
    return shown === undefined ? new Promise((resolve) => this.#waiting.set(exchangeId, resolve)) : Promise.resolve(shown);
  }
}

/** When each phase of a challenge ended (performance.now()), by exchange id. */
interface Timeline {
  started: number;
  initiated?: number;
  seen?: number;
  answered?: number;
  done?: number;
}

/**
 * The device: long-polls its pending challenges and approves each with the number the user
 * reads off the sign-in page (`numbers`), until `stop`. The next poll's token is signed while
 * the answer is in flight, as an app would keep one ready.
 */
async function runDevice(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>, stop: { done: boolean }): Promise<void> {
  const answered = new Set<string>();
  while (!stop.done) {
    requests.devicePoll++;
    const res = await fetch(`${base}/verification-srv/v2/devices/challenges?wait=5`, { headers: { authorization: `Device ${await deviceToken(device)}` } });
    const { challenges } = (await json(res)) as { challenges: { exchange_id: string }[] };
    for (const { exchange_id: exchangeId } of challenges) {
      if (answered.has(exchangeId)) continue;
      answered.add(exchangeId);
      await answer(base, device, screen, timelines, exchangeId);
    }
  }
}

/** The sign-in page: starts a challenge, shows its number, long-polls its status until it is decided. */
async function signInRound(base: string, token: string, screen: Screen, timelines: Map<string, Timeline>): Promise<Timeline> {
  const timeline: Timeline = { started: performance.now() };
  requests.initiate++;
  const offer = await post(`${base}/verification-srv/authentication/push/initiation`, { message: 'Sign in (bench)' }, token);
  timeline.initiated = performance.now();
  const exchangeId = (offer.exchange_id as { exchange_id: string }).exchange_id;
  timelines.set(exchangeId, timeline);
  screen.show(exchangeId, String(offer.number));
  let etag = '';
  for (;;) {
    requests.statusPoll++;
    const res = await fetch(`${base}/verification-srv/verificationstatus/${String(offer.status_id)}?wait=30`, { headers: etag ? { 'if-none-match': etag } : {} });
    if (res.status === 304) continue;
    etag = res.headers.get('etag') ?? '';
    const status = (await json(res)).status;
    if (status === 'AUTHENTICATED') break;
    if (status !== 'INITIATED') throw new Error(`challenge ended ${String(status)}`);
  }
  timeline.done = performance.now();
  // Collected outside the timing (the round trip ends when the page sees the decision).
  await post(`${base}/verification-srv/authentication/push/verification`, { exchange_id: exchangeId }, token);
  return timeline;
}

function asMeasurement(label: string, latencies: number[], seconds: number, errors: number): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { label, requestsPerSecond: sorted.length / seconds, latencyP50Ms: quantile(sorted, 0.5), latencyP99Ms: quantile(sorted, 0.99), requests: sorted.length, errors, non2xx: 0 };
}

/** p50/p99 of one phase over the timelines that have both ends. */
function phase(timelines: Timeline[], from: (t: Timeline) => number | undefined, to: (t: Timeline) => number | undefined): string {
  const spans = timelines.flatMap((t) => {
    const a = from(t);
    const b = to(t);
    return a === undefined || b === undefined ? [] : [b - a];
  });
  spans.sort((x, y) => x - y);
  return `${ms(quantile(spans, 0.5))}/${ms(quantile(spans, 0.99))}`;
}

/**
 * The device over the status WebSocket instead (`subscribe_device`, BENCH_PUSH_DEVICE=ws): one
 * token for the whole connection, so no device-token commit between an answer and hearing the
 * next challenge; the feed pushes each new list as its NOTIFY arrives.
 */
async function runSocketDevice(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>, stop: Promise<void>): Promise<void> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/verification-srv/ws`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const answered = new Set<string>();
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; challenges?: { exchange_id: string }[] };
    if (message.type === 'error') throw new Error(data.toString());
    for (const { exchange_id: exchangeId } of message.challenges ?? []) {
      if (answered.has(exchangeId)) continue;
      answered.add(exchangeId);
      void answer(base, device, screen, timelines, exchangeId);
    }
  });
  socket.send(JSON.stringify({ type: 'subscribe_device', token: await deviceToken(device) }));
  await stop;
  socket.close();
}

/** The device approves one challenge, with the number once the page shows it. */
async function answer(base: string, device: Device, screen: Screen, timelines: Map<string, Timeline>, exchangeId: string): Promise<void> {
  const seen = performance.now();
  const number = await screen.read(exchangeId);
  const timeline = timelines.get(exchangeId);
  if (timeline) timeline.seen = Math.max(seen, timeline.initiated ?? seen);
  const iat = Math.floor(Date.now() / 1000);
  const payload = { exchange_id: exchangeId, decision: 'approve', number, iat, exp: iat + 60 };
  const response = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.phId }).sign(device.key);
  requests.answer++;
  await post(`${base}/verification-srv/v2/authenticate/push/response`, { response });
  if (timeline) timeline.answered = performance.now();
}

/** Runs `USERS` loops of `rounds` timed rounds each, all at once. */
async function loops(rounds: number, round: (user: number, id: string) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, user) => {
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        await round(user, `${user}:${r}:${randomUUID()}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Listens on `channel` with its own connection; `heard(payload)` resolves when that payload arrives. */
async function listener(databaseUrl: string, channel: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const waiting = new Map<string, () => void>();
  client.on('notification', (msg) => waiting.get(msg.payload ?? '')?.());
  await client.query(`LISTEN ${channel}`);
  return {
    heard(payload: string): Promise<void> {
      return new Promise<void>((resolve) => waiting.set(payload, resolve)).finally(() => waiting.delete(payload));
    },
    /** Calls `handler` for every payload heard (the device side of the relay). */
    onEvery(handler: (payload: string) => void): void {
      client.on('notification', (msg) => handler(msg.payload ?? ''));
    },
    close: () => client.end(),
  };
}

/** A baseline's timed rounds so far, measured in halves around the round trips. */
interface Sample {
  latencies: number[];
  seconds: number;
}

const merge = (a: Sample, b: Sample): Sample => ({ latencies: [...a.latencies, ...b.latencies], seconds: a.seconds + b.seconds });

/** The baseline: one `SELECT pg_notify` until a LISTEN connection receives it. */
async function bareNotify(databaseUrl: string, poolSize: number, rounds: number): Promise<Sample> {
  const heard = await listener(databaseUrl, CHANNEL);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const sample = await loops(rounds, async (_user, id) => {
    const received = heard.heard(id);
    await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, id]);
    await received;
  });
  await pool.end();
  await heard.close();
  return sample;
}

/**
 * The floor: the page commits a challenge row with its NOTIFY, the device's listener commits the
 * decision with its NOTIFY, the page's listener hears it. Two durable commits, two wake-ups.
 */
async function commitRelay(databaseUrl: string, poolSize: number, rounds: number): Promise<Sample> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_push_relay (id text PRIMARY KEY, status text NOT NULL)');
  await pool.query('TRUNCATE bench_push_relay');
  const inTransaction = async (sql: string, params: unknown[]) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql, params);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  const device = await listener(databaseUrl, `${CHANNEL}_challenge`);
  device.onEvery((id) => {
    void inTransaction(`WITH u AS (UPDATE bench_push_relay SET status = 'AUTHENTICATED' WHERE id = $1) SELECT pg_notify('${CHANNEL}_decision', $1)`, [id]);
  });
  const page = await listener(databaseUrl, `${CHANNEL}_decision`);
  const sample = await loops(rounds, async (_user, id) => {
    const decided = page.heard(id);
    await inTransaction(`WITH i AS (INSERT INTO bench_push_relay (id, status) VALUES ($1, 'INITIATED')) SELECT pg_notify('${CHANNEL}_challenge', $1)`, [id]);
    await decided;
  });
  await device.close();
  await page.close();
  await pool.end();
  return sample;
}

/**
 * USERS users, each with an enrolled device, sign in ROUNDS times each, all at once; the service
 * (actions + status on one instance, as `npm start` runs them) with the initiation rate limit
 * off, as DESIGN §7 advises for load tests. The routes' database is counted, to report the
 * statements and commits a round trip costs.
 */
export default async function pushRoundTrip(bench: BenchEnvironment, _load: LoadOptions): Promise<Comparison[]> {
  const counts: QueryCounts = { statements: 0, transactions: 0, writeCommits: 0 };
  const poolSize = Number(process.env.BENCH_PUSH_POOL ?? bench.deps.config.database.poolSize);
  const databaseUrl = bench.deps.config.database.url!;
  const routesDb = createPostgresDatabase({ connectionString: databaseUrl, maxConnections: poolSize, log: bench.deps.log });
  const deps = { ...bench.deps, db: countingDatabase(routesDb, counts), config: { ...bench.deps.config, initiationRateLimit: 0 } };
  const server = await bench.serve([actionsService, statusService], deps);
  const base = server.url;
  const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => bench.token({ sub: `bench-push-${i}`, tenant: 'bench-push' })));
  const devices: Device[] = [];
  for (let i = 0; i < USERS; i += 20) devices.push(...(await Promise.all(tokens.slice(i, i + 20).map((t) => enrollDevice(base, t)))));

  const half = Math.ceil(ROUNDS / 2);
  let notifySample = await bareNotify(databaseUrl, poolSize, half);
  let floorSample = await commitRelay(databaseUrl, poolSize, half);

  const screen = new Screen();
  const timelines = new Map<string, Timeline>();
  const stop = { done: false };
  let stopSockets: () => void = () => undefined;
  const socketsStopped = new Promise<void>((resolve) => (stopSockets = resolve));
  const deviceLoops = devices.map((d) => (SOCKET_DEVICES ? runSocketDevice(base, d, screen, timelines, socketsStopped) : runDevice(base, d, screen, timelines, stop)));
  const done: Timeline[] = [];
  let errors = 0;
  Object.assign(counts, { statements: 0, transactions: 0, writeCommits: 0 });
  Object.assign(requests, { initiate: 0, devicePoll: 0, answer: 0, statusPoll: 0 });
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      for (let round = 0; round < ROUNDS; round++) {
        try {
          done.push(await signInRound(base, token, screen, timelines));
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const perRound = (n: number) => (n / Math.max(1, done.length)).toFixed(1);
  const costs = `per round trip: ${perRound(requests.initiate + requests.devicePoll + requests.answer + requests.statusPoll + requests.initiate)} HTTP requests (initiate, collect, ${perRound(requests.devicePoll)} device polls, answer, ${perRound(requests.statusPoll)} status polls), ${perRound(counts.statements)} SQL statements, ${perRound(counts.transactions)} transactions, ${perRound(counts.writeCommits)} write commits (collect and device-token jti inserts included)`;
  stop.done = true;
  stopSockets();
  await Promise.all(deviceLoops);
  await server.close();
  await routesDb.close();
  notifySample = merge(notifySample, await bareNotify(databaseUrl, poolSize, half));
  floorSample = merge(floorSample, await commitRelay(databaseUrl, poolSize, half));
  const notify = asMeasurement(`bare NOTIFY round trip, ${USERS} concurrent`, notifySample.latencies, notifySample.seconds, 0);
  const floor = asMeasurement(`floor: 2 commits + 2 NOTIFY hops, ${USERS} concurrent`, floorSample.latencies, floorSample.seconds, 0);

  const subject = asMeasurement(`PUSH initiate -> device (${SOCKET_DEVICES ? 'WebSocket' : 'long poll'}) approves -> AUTHENTICATED seen, ${USERS} concurrent`, done.map((t) => t.done! - t.started), seconds, errors);
  const phases = [
    `phases p50/p99 ms: initiate ${phase(done, (t) => t.started, (t) => t.initiated)}`,
    `initiated -> device has it ${phase(done, (t) => t.initiated, (t) => t.seen)}`,
    `answer (sign + POST) ${phase(done, (t) => t.seen, (t) => t.answered)}`,
    `answered -> page sees it ${phase(done, (t) => t.answered, (t) => t.done)}`,
  ].join('; ');
  const p99 = (m: Measurement) => `${ms(m.latencyP50Ms)}/${ms(m.latencyP99Ms)} ms`;
  return [
    {
      figure: `PUSH sign-in round trip vs bare NOTIFY (the issue's target), ${USERS} in flight (req/s = round trips/s)`,
      subject,
      baseline: notify,
      notes: [
        `round trip p50/p99 ${p99(subject)}; bare NOTIFY p50/p99 ${p99(notify)}; p99 ratio ${(subject.latencyP99Ms / notify.latencyP99Ms).toFixed(1)}x (target <= 2x)`,
        phases,
        costs,
        `pool: ${poolSize} connections for the routes (DB_POOL_SIZE; BENCH_PUSH_POOL to vary) and for each baseline; ${done.length} round trips`,
      ],
    },
    {
      figure: `PUSH sign-in round trip vs its floor (2 commits + 2 NOTIFY hops, no HTTP), ${USERS} in flight`,
      subject,
      baseline: floor,
      notes: [`floor p50/p99 ${p99(floor)}; p99 ratio ${(subject.latencyP99Ms / floor.latencyP99Ms).toFixed(1)}x`],
    },
  ];
}

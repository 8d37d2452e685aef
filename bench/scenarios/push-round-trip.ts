import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { actionsService } from '../../services/actions/index.ts';
import { statusService } from '../../services/status/index.ts';
import { countingDatabase, type QueryCounts } from '../harness/counting-database.ts';
import { createPostgresDatabase } from '../../shared/db/postgres.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import { quantile } from '../harness/quantile.ts';
import type { Comparison } from '../harness/scenario.ts';
import type { PushLoadInput, PushLoadResult, Timeline } from '../clients/push-load.ts';

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
// Where a round trip waits (the phases printed): initiate = one transaction of 5 statements (the
// method's settings and the tenant are cached: the user's devices, the user's PUSH lock, the
// lockout/pending/devices read that also announces the challenge, the insert with its status
// NOTIFY, the audit row) and its commit; initiated -> device = the NOTIFY to the device's long
// poll or feed, then one statement reading the list with the device; answer = the device's
// signing, a transaction of 7 statements (lock, device re-check, challenge lock, update, status
// NOTIFY, two audit rows; the signer's key is remembered, so no read before it) and its commit;
// answered -> page = the status NOTIFY to the page's long poll (no read). With long polls (the
// default, as the companion app does it; BENCH_PUSH_DEVICE=ws for the status WebSocket) the
// device's next poll commits its token's jti, in the statement that confirms the device is still
// enrolled, before it listens again, so a challenge started in that window waits for that commit
// too. The page's collection afterwards is one UPDATE (outside the timing, in the counts). Under
// load each pool checkout queues behind everyone's statements: at 200 in flight the round
// trips/s stay what they are at 20 and the latency is the queue (Little's law), so fewer
// statements per round trip is what helps.
//
// The pages and devices (jose signing, HTTP clients, WebSockets) run in a child process
// (bench/clients/push-load.ts): in this process they would take the server's one thread.

const USERS = Number(process.env.BENCH_PUSH_USERS ?? 200);
/** The device listens over the status WebSocket; by default it long-polls, as the companion app does. */
const SOCKET_DEVICES = process.env.BENCH_PUSH_DEVICE === 'ws';
// At least 1000 round trips, so the p99 is not the second-worst of a hundred samples.
const ROUNDS = Math.max(5, Math.ceil(1000 / USERS));
const CHANNEL = 'bench_push_notify';
const CLIENT = fileURLToPath(new URL('../clients/push-load.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const ms = (n: number) => n.toFixed(1);

/**
 * Runs the pages and devices (bench/clients/push-load.ts) in their own process against `base`:
 * enrolls the devices, then calls `beforeTimed` and starts the timed rounds; `afterTimed` runs
 * as soon as the client reports them done (before its devices stop polling).
 */
async function driveLoad(input: PushLoadInput, beforeTimed: () => void, afterTimed: () => void): Promise<PushLoadResult> {
  const child = spawn(TSX, [CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('exit', resolve);
    child.once('error', reject);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error(`push load client exited early (${String(await exited)})`);
    return JSON.parse(String(line.value)) as Record<string, unknown>;
  };
  child.stdin.write(`${JSON.stringify(input)}\n`);
  await next(); // ready: devices enrolled and listening
  beforeTimed();
  child.stdin.write('go\n');
  const result = (await next()) as unknown as PushLoadResult;
  afterTimed();
  child.stdin.end();
  await exited;
  return result;
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
 * off, as DESIGN §7 advises for load tests. The pages and devices run in a child process
 * (bench/clients/push-load.ts), so this process's thread is the server's. The routes' database
 * is counted, to report the statements and commits a round trip costs.
 */
export default async function pushRoundTrip(bench: BenchEnvironment, _load: LoadOptions): Promise<Comparison[]> {
  const counts: QueryCounts = { statements: 0, transactions: 0, writeCommits: 0 };
  const poolSize = Number(process.env.BENCH_PUSH_POOL ?? bench.deps.config.database.poolSize);
  const databaseUrl = bench.deps.config.database.url!;
  const routesDb = createPostgresDatabase({ connectionString: databaseUrl, maxConnections: poolSize, log: bench.deps.log });
  const deps = { ...bench.deps, db: countingDatabase(routesDb, counts), config: { ...bench.deps.config, initiationRateLimit: 0 } };
  const server = await bench.serve([actionsService, statusService], deps);
  const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => bench.token({ sub: `bench-push-${i}`, tenant: 'bench-push' })));

  const half = Math.ceil(ROUNDS / 2);
  let notifySample = await bareNotify(databaseUrl, poolSize, half);
  let floorSample = await commitRelay(databaseUrl, poolSize, half);

  let timed: QueryCounts = { statements: 0, transactions: 0, writeCommits: 0 };
  const load = await driveLoad(
    { base: server.url, tokens, rounds: ROUNDS, socketDevices: SOCKET_DEVICES },
    () => Object.assign(counts, { statements: 0, transactions: 0, writeCommits: 0 }),
    () => (timed = { ...counts }),
  );
  const { done, requests } = load;
  if (load.errors + load.deviceErrors > 0) {
    console.error(`push-round-trip: ${load.errors} failed round trips, ${load.deviceErrors} failed device requests (retried), e.g. ${load.errorSamples.join(' | ')}`);
  }
  const perRound = (n: number) => (n / Math.max(1, done.length)).toFixed(1);
  const httpRequests = requests.initiate + requests.devicePoll + requests.answer + requests.statusPoll + requests.collect;
  const costs = `per round trip: ${perRound(httpRequests)} HTTP requests (initiate, collect, ${perRound(requests.devicePoll)} device ${SOCKET_DEVICES ? 'WebSocket subscriptions' : 'polls'}, answer, ${perRound(requests.statusPoll)} status polls), ${perRound(timed.statements)} SQL statements, ${perRound(timed.transactions)} transactions, ${perRound(timed.writeCommits)} write commits (collect and device-token jti inserts included)`;
  await server.close();
  await routesDb.close();
  notifySample = merge(notifySample, await bareNotify(databaseUrl, poolSize, half));
  floorSample = merge(floorSample, await commitRelay(databaseUrl, poolSize, half));
  const notify = asMeasurement(`bare NOTIFY round trip, ${USERS} concurrent`, notifySample.latencies, notifySample.seconds, 0);
  const floor = asMeasurement(`floor: 2 commits + 2 NOTIFY hops, ${USERS} concurrent`, floorSample.latencies, floorSample.seconds, 0);

  const subject = asMeasurement(`PUSH initiate -> device (${SOCKET_DEVICES ? 'WebSocket' : 'long poll'}) approves -> AUTHENTICATED seen, ${USERS} concurrent`, done.map((t) => t.done! - t.started), load.seconds, load.errors);
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
        `pool: ${poolSize} connections for the routes (DB_POOL_SIZE; BENCH_PUSH_POOL to vary) and for each baseline; ${done.length} round trips; pages and devices in a child process`,
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

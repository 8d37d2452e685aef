// The WebSocket fan-out scenario. Imported by bench/run.ts it is the scenario (default export).
// Run directly it plays one of the processes the scenario spawns, so that each server's memory
// is its own and commit and receipt are timed on one clock:
//   --server service|bare <database-url>            a status-service instance, or a bare ws server
//   --client service|bare <ws-url> <database-url> <ids-file>   the subscribers and the committer
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import { applyTransition } from '../../shared/exchanges/exchange-repository.ts';
import { toVersionedStatus } from '../../shared/exchanges/status-document.ts';
import { publishStatus } from '../../shared/events/status-events.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import { quantile } from '../harness/quantile.ts';
import type { Comparison } from '../harness/scenario.ts';
import { seedEnrollments } from '../harness/seed-enrollments.ts';
import { startBenchStatusServer } from '../harness/status-server.ts';

const SUBSCRIBERS = 10_000;
const SAMPLES = 1_000;
const CONNECT_CONCURRENCY = 250;
const RECEIPT_TIMEOUT_MS = 5_000;
const BARE_CHANNEL = 'bench_bare_ws';
const SELF = fileURLToPath(import.meta.url);
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const TSX_LOADER = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;

type Mode = 'service' | 'bare';

interface ClientReady {
  connectSeconds: number;
}

interface ClientResult {
  /** Commit issued → message received, per transition, in ms. */
  latencies: number[];
  /** Commit issued → commit acknowledged, in ms (part of the above). */
  commits: number[];
  missing: number;
  seconds: number;
}


// ---------------------------------------------------------------- subscriber process

async function runClient(mode: Mode, wsBase: string, databaseUrl: string, idsFile: string): Promise<void> {
  const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
  const sockets: WebSocket[] = [];
  const receipts = new Map<number, (at: number) => void>();
  let snapshots = 0;
  let allSnapshots: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (allSnapshots = resolve));

  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const url = mode === 'service' ? `${wsBase}/verification-srv/ws?status_id=${ids[i]}` : `${wsBase}/?i=${i}`;
      const socket = new WebSocket(url, { perMessageDeflate: false });
      let first = true;
      socket.on('message', () => {
        const at = performance.now();
        if (first) {
          first = false;
          if (++snapshots === ids.length) allSnapshots();
          return;
        }
        const receipt = receipts.get(i);
        receipts.delete(i);
        receipt?.(at);
      });
      socket.once('open', () => resolve());
      socket.once('error', reject);
      sockets[i] = socket;
    });

  const connectStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < ids.length) await open(next++);
    }),
  );
  await subscribed;
  const ready: ClientReady = { connectSeconds: (performance.now() - connectStarted) / 1000 };
  console.log(`READY ${JSON.stringify(ready)}`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'GO') break;

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const result: ClientResult = { latencies: [], commits: [], missing: 0, seconds: 0 };
  const started = performance.now();
  for (let i = 0; i < Math.min(SAMPLES, ids.length); i++) {
    await db.query('BEGIN');
    if (mode === 'service') {
      // The domain's own transition and announcement, as recordScan runs them.
      const scanned = await applyTransition(db, 'enrollment', ids[i]!, 'scan', new Date(), { deviceId: 'bench-device' });
      if (!scanned) throw new Error(`enrollment ${i} could not be scanned`);
      await publishStatus(db, toVersionedStatus(scanned));
    } else {
      await db.query('UPDATE exchanges SET updated_at = now() WHERE status_id = $1', [ids[i]]);
      await db.query('SELECT pg_notify($1, $2)', [BARE_CHANNEL, String(i)]);
    }
    const received = new Promise<number>((resolve) => receipts.set(i, resolve));
    const committing = performance.now();
    await db.query('COMMIT');
    result.commits.push(performance.now() - committing);
    const timeout = new Promise<undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), RECEIPT_TIMEOUT_MS);
      timer.unref();
    });
    const at = await Promise.race([received, timeout]);
    if (at === undefined) result.missing++;
    else result.latencies.push(at - committing);
  }
  result.seconds = (performance.now() - started) / 1000;
  console.log(`RESULT ${JSON.stringify(result)}`);
  await db.end();
  for (const socket of sockets) socket.terminate();
}

// ---------------------------------------------------------------- server processes

interface MemoryReport {
  rss: number;
  heap: number;
}

/** Answers the scenario's memory questions over IPC, after a full GC (the process runs with --expose-gc). */
function reportMemoryOnRequest(): void {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    const report: MemoryReport = { rss: usage.rss, heap: usage.heapUsed + usage.external };
    process.send?.(report);
  });
}

/** One status-service instance, built as services/status/main.ts builds it. */
async function runServiceServer(databaseUrl: string): Promise<void> {
  const server = await startBenchStatusServer(databaseUrl);
  reportMemoryOnRequest();
  console.log(`LISTENING ${server.url.replace(/^http/, 'ws')}`);
}

/** A bare `ws` server: one map from connection to socket, fed by one LISTEN connection. */
async function runBareServer(databaseUrl: string): Promise<void> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  const sockets = new Map<number, WebSocket>();
  // The sizes of the service's snapshot and transition messages.
  const snapshot = JSON.stringify({ type: 'status', padding: 'x'.repeat(280) });
  const event = JSON.stringify({ type: 'status', padding: 'y'.repeat(280) });
  wss.on('connection', (socket, req) => {
    const i = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('i'));
    sockets.set(i, socket);
    socket.once('close', () => sockets.delete(i));
    socket.send(snapshot);
  });
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  listener.on('notification', (msg) => sockets.get(Number(msg.payload))?.send(event));
  await listener.query(`LISTEN ${BARE_CHANNEL}`);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  reportMemoryOnRequest();
  console.log(`LISTENING ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  process.once('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- scenario

/** The per-process file limit this process runs under, as a child inherits it. */
function openFileLimit(): number {
  const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}

function askMemory(server: ChildProcess): Promise<MemoryReport> {
  const answer = once(server, 'message') as Promise<[MemoryReport]>;
  server.send('memory');
  return answer.then(([report]) => report);
}

/** Starts a server role with IPC (for memory reports) and resolves with it and its WebSocket URL. */
async function startServerProcess(mode: Mode, databaseUrl: string): Promise<{ process: ChildProcess; url: string }> {
  const server = spawn(process.execPath, ['--expose-gc', '--import', TSX_LOADER, SELF, '--server', mode, databaseUrl], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: server.stdout! });
  // Everything after the URL (warnings, if any) keeps flowing, so the pipe never fills.
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('LISTENING ')) resolve(line.slice('LISTENING '.length));
    });
    server.once('exit', (code) => reject(new Error(`the ${mode} server exited (${code}) before listening`)));
  });
  return { process: server, url };
}

interface Run {
  measurement: Measurement;
  rssPerSubscriberKiB: number;
  heapPerSubscriberKiB: number;
  connectSeconds: number;
  commitP50: number;
  commitP99: number;
  /** Receipt relative to the COMMIT's acknowledgement (negative: the message came first). */
  afterAckP50: number;
  afterAckP99: number;
}

/**
 * Starts the `mode` server, then the subscriber process against it; reads the server's memory
 * before and once every subscriber has its snapshot, then lets the subscriber process time
 * the transitions.
 */
async function drive(mode: Mode, label: string, databaseUrl: string, idsFile: string, subscribers: number): Promise<Run> {
  const server = await startServerProcess(mode, databaseUrl);
  try {
    const before = await askMemory(server.process);
    const client = spawn(TSX, [SELF, '--client', mode, server.url, databaseUrl, idsFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: client.stdout! });
    let ready: ClientReady | undefined;
    let result: ClientResult | undefined;
    let during: MemoryReport | undefined;
    for await (const line of lines) {
      if (line.startsWith('READY ')) {
        ready = JSON.parse(line.slice('READY '.length)) as ClientReady;
        during = await askMemory(server.process);
        client.stdin!.write('GO\n');
      } else if (line.startsWith('RESULT ')) {
        result = JSON.parse(line.slice('RESULT '.length)) as ClientResult;
      }
    }
    const code = client.exitCode ?? ((await once(client, 'close')) as [number | null])[0];
    if (code !== 0 || !ready || !result || !during) throw new Error(`the ${mode} subscriber process failed (exit ${code})`);
    const latencies = [...result.latencies].sort((a, b) => a - b);
    const commits = [...result.commits].sort((a, b) => a - b);
    const afterAck = result.latencies.map((l, i) => l - (result!.commits[i] ?? 0)).sort((a, b) => a - b);
    return {
      measurement: {
        label,
        requestsPerSecond: latencies.length / result.seconds,
        latencyP50Ms: quantile(latencies, 0.5),
        latencyP99Ms: quantile(latencies, 0.99),
        requests: latencies.length,
        errors: result.missing,
        non2xx: 0,
      },
      rssPerSubscriberKiB: (during.rss - before.rss) / subscribers / 1024,
      heapPerSubscriberKiB: (during.heap - before.heap) / subscribers / 1024,
      connectSeconds: ready.connectSeconds,
      commitP50: quantile(commits, 0.5),
      commitP99: quantile(commits, 0.99),
      afterAckP50: quantile(afterAck, 0.5),
      afterAckP99: quantile(afterAck, 0.99),
    };
  } finally {
    server.process.disconnect();
    await once(server.process, 'exit');
  }
}

/**
 * 10,000 WebSocket subscribers on one status-service instance, each watching its own live
 * enrollment; then 1,000 transitions, one at a time, each committed by the subscriber process
 * (the domain's own UPDATE + pg_notify) and timed from the moment COMMIT is sent to the moment
 * its subscriber receives the status message. The same against a bare `ws` server that
 * forwards a NOTIFY from its own LISTEN connection, in the same run. Memory per idle
 * subscriber is this (server) process's growth with all of them connected and subscribed,
 * after GC. Targets: p99 ≤ 5 ms, ≤ 10 KiB per idle subscriber.
 */
export default async function websocketSubscribers(bench: BenchEnvironment, _load: LoadOptions): Promise<Comparison[]> {
  const limit = openFileLimit();
  // Each subscriber costs one descriptor in its server and one in the subscriber process.
  const subscribers = Math.min(SUBSCRIBERS, limit - 500);
  const databaseUrl = bench.deps.config.database.url!;
  const ids = await seedEnrollments(bench, 'bench-ws', subscribers);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ws-'));
  const idsFile = join(dir, 'ids.json');
  writeFileSync(idsFile, JSON.stringify(ids));
  try {
    const service = await drive('service', `status WebSocket, ${subscribers} subscribers`, databaseUrl, idsFile, subscribers);
    const bare = await drive('bare', `bare ws + LISTEN, ${subscribers} subscribers`, databaseUrl, idsFile, subscribers);
    const kib = (n: number) => `${n.toFixed(2)} KiB`;
    const ms = (n: number) => n.toFixed(2);
    return [
      {
        figure: `WS transition->receipt, ${subscribers} subscribers (req/s = transitions/s, one at a time)`,
        subject: service.measurement,
        baseline: bare.measurement,
        notes: [
          `latency p50/p99 from COMMIT sent to status message received: service ${ms(service.measurement.latencyP50Ms)}/${ms(service.measurement.latencyP99Ms)} ms, bare ${ms(bare.measurement.latencyP50Ms)}/${ms(bare.measurement.latencyP99Ms)} ms (target p99 <= 5 ms)`,
          `  of which the COMMIT round trip (WAL flush included): p50/p99 service ${ms(service.commitP50)}/${ms(service.commitP99)} ms, bare ${ms(bare.commitP50)}/${ms(bare.commitP99)} ms`,
          `  receipt after the COMMIT was acknowledged: p50/p99 service ${ms(service.afterAckP50)}/${ms(service.afterAckP99)} ms, bare ${ms(bare.afterAckP50)}/${ms(bare.afterAckP99)} ms`,
          `server memory per idle subscriber, RSS after GC: service ${kib(service.rssPerSubscriberKiB)}, bare ws ${kib(bare.rssPerSubscriberKiB)} (target <= 10 KiB)`,
          `server memory per idle subscriber, JS heap + external after GC: service ${kib(service.heapPerSubscriberKiB)}, bare ws ${kib(bare.heapPerSubscriberKiB)}`,
          `connect + subscribe + snapshot of all subscribers: service ${service.connectSeconds.toFixed(1)} s, bare ${bare.connectSeconds.toFixed(1)} s`,
          ...(subscribers < SUBSCRIBERS ? [`only ${subscribers} subscribers: the open-file limit here is ${limit} (raise ulimit -n for ${SUBSCRIBERS})`] : []),
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
if ((role === '--client' || role === '--server') && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mode = process.argv[3] as Mode;
  if (role === '--client') {
    const [wsBase, databaseUrl, idsFile] = process.argv.slice(4) as [string, string, string];
    await runClient(mode, wsBase, databaseUrl, idsFile);
    process.exit(0);
  } else if (mode === 'service') {
    await runServiceServer(process.argv[4]!);
  } else {
    await runBareServer(process.argv[4]!);
  }
}

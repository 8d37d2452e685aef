import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { applyTransition } from '../../shared/exchanges/exchange-repository.ts';
import { toVersionedStatus } from '../../shared/exchanges/status-document.ts';
import { STATUS_CHANNEL, publishStatus } from '../../shared/events/status-events.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import { measure, type LoadOptions, type Measurement } from '../harness/measure.ts';
import { quantile } from '../harness/quantile.ts';
import type { Comparison } from '../harness/scenario.ts';
import { seedEnrollments } from '../harness/seed-enrollments.ts';

const INSTANCE = fileURLToPath(new URL('../clients/status-instance.ts', import.meta.url));
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const COUNTS = [1, 2, 4];
/** WebSocket subscribers in all, spread over the instances, and transitions timed one at a time. */
const SUBSCRIBERS = 1_000;
const TRANSITIONS = 300;
const NOTIFY_WRITERS = 10;
const RECEIPT_TIMEOUT_MS = 5_000;


async function startInstance(databaseUrl: string): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, INSTANCE, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => line.startsWith('LISTENING ') && resolve(line.slice('LISTENING '.length)));
    child.once('exit', (code) => reject(new Error(`a status instance exited (${code}) before listening`)));
  });
  return { process: child, url };
}

async function stopInstance(instance: { process: ChildProcess }): Promise<void> {
  const exited = once(instance.process, 'exit');
  instance.process.disconnect();
  await exited;
}

/** Polls of one cached status, 50 connections split over the instances, all at once: the sum. */
async function polls(urls: string[], path: string, load: LoadOptions): Promise<Measurement> {
  const connections = Math.max(1, Math.floor(load.connections / urls.length));
  const runs = await Promise.all(urls.map((url) => measure('polls', { url: `${url}${path}` }, { ...load, connections })));
  return {
    label: `status polls, ${urls.length} instance(s)`,
    requestsPerSecond: runs.reduce((n, r) => n + r.requestsPerSecond, 0),
    latencyP50Ms: Math.max(...runs.map((r) => r.latencyP50Ms)),
    latencyP99Ms: Math.max(...runs.map((r) => r.latencyP99Ms)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

/**
 * SUBSCRIBERS WebSockets spread evenly over the instances, each watching its own enrollment;
 * then TRANSITIONS scans, one at a time, each the domain's UPDATE + NOTIFY committed here and
 * timed from COMMIT sent to its subscriber's message.
 */
async function websocketLatency(urls: string[], ids: string[], databaseUrl: string): Promise<Measurement> {
  const receipts = new Map<string, (at: number) => void>();
  const sockets = await Promise.all(
    ids.map(
      (id, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`${urls[i % urls.length]!.replace(/^http/, 'ws')}/verification-srv/ws?status_id=${id}`, { perMessageDeflate: false });
          let first = true;
          socket.on('message', () => {
            if (first) {
              first = false;
              resolve(socket);
              return;
            }
            receipts.get(id)?.(performance.now());
          });
          socket.once('error', reject);
        }),
    ),
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const latencies: number[] = [];
  let missing = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < TRANSITIONS; i++) {
      const id = ids[i]!;
      await db.query('BEGIN');
      const scanned = await applyTransition(db, 'enrollment', id, 'scan', new Date(), { deviceId: 'bench-device' });
      if (!scanned) throw new Error(`enrollment ${id} could not be scanned`);
      await publishStatus(db, toVersionedStatus(scanned));
      const received = new Promise<number>((resolve) => receipts.set(id, resolve));
      const committing = performance.now();
      await db.query('COMMIT');
      const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), RECEIPT_TIMEOUT_MS).unref());
      const at = await Promise.race([received, timeout]);
      if (at === undefined) missing++;
      else latencies.push(at - committing);
    }
  } finally {
    await db.end();
    for (const socket of sockets) socket.terminate();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label: `WS transition->receipt, ${urls.length} instance(s)`,
    requestsPerSecond: latencies.length / seconds,
    latencyP50Ms: quantile(latencies, 0.5),
    latencyP99Ms: quantile(latencies, 0.99),
    requests: latencies.length,
    errors: missing,
    non2xx: 0,
  };
}

/** NOTIFY commits per second alone (status-sized payloads on the status channel, every instance listening): the ceiling. */
async function notifyCeiling(databaseUrl: string, count: number, seconds: number): Promise<Measurement> {
  const payload = JSON.stringify({ document: { id: '00000000-0000-4000-8000-000000000000', status: 'SCANNED', padding: 'x'.repeat(200) }, version: 0 });
  const clients = await Promise.all(
    Array.from({ length: NOTIFY_WRITERS }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await client.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, payload]);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  latencies.sort((a, b) => a - b);
  return {
    label: `NOTIFY commits alone (${NOTIFY_WRITERS} writers), ${count} instance(s) listening`,
    requestsPerSecond: latencies.length / elapsed,
    latencyP50Ms: quantile(latencies, 0.5),
    latencyP99Ms: quantile(latencies, 0.99),
    requests: latencies.length,
    errors: 0,
    non2xx: 0,
  };
}

/**
 * Scale-out on one PostgreSQL: 1, 2 and 4 status-service instances (each its own process),
 * each count measured for status polls per second (all instances at once, 50 connections in
 * all), WebSocket transition latency (SUBSCRIBERS spread over them, transitions one at a time)
 * and NOTIFY commits per second alone with them all listening: the ceiling every instance
 * shares, since each hears every status event. Ratios are to the one-instance figures of the
 * same run.
 */
export default async function scale(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const databaseUrl = bench.deps.config.database.url!;
  const ids = await seedEnrollments(bench, 'bench-scale', SUBSCRIBERS + COUNTS.length * TRANSITIONS);
  const pollPath = `/verification-srv/verificationstatus/${ids[ids.length - 1]}`;
  const figures: { count: number; polls: Measurement; ws: Measurement; notify: Measurement }[] = [];
  let nextTransition = SUBSCRIBERS;
  for (const count of COUNTS) {
    const instances = await Promise.all(Array.from({ length: count }, () => startInstance(databaseUrl)));
    try {
      const urls = instances.map((i) => i.url);
      const pollsFigure = await polls(urls, pollPath, load);
      // Fresh live enrollments for this count's transitions, the rest of the subscribers idle.
      const watched = [...ids.slice(nextTransition, nextTransition + TRANSITIONS), ...ids.slice(TRANSITIONS, SUBSCRIBERS)];
      nextTransition += TRANSITIONS;
      const ws = await websocketLatency(urls, watched, databaseUrl);
      const notify = await notifyCeiling(databaseUrl, count, Math.max(1, load.durationSeconds / 2));
      figures.push({ count, polls: pollsFigure, ws, notify });
    } finally {
      await Promise.all(instances.map(stopInstance));
    }
  }
  const one = figures[0]!;
  const ms = (n: number) => n.toFixed(2);
  const notes = figures.map(({ count, ws, notify }) => `${count} instance(s): WS transition->receipt p50/p99 ${ms(ws.latencyP50Ms)}/${ms(ws.latencyP99Ms)} ms; NOTIFY ceiling ${notify.requestsPerSecond.toFixed(0)} commits/s`);
  return figures.slice(1).flatMap(({ count, polls: p, ws, notify }, i) => [
    { figure: `status polls/s, ${count} instance(s) vs 1`, subject: p, baseline: one.polls },
    {
      figure: `WS transitions/s (one at a time), ${count} instance(s) vs 1`,
      subject: ws,
      baseline: one.ws,
      ...(i === 0 ? { notes } : {}),
    },
    { figure: `NOTIFY commits/s alone, ${count} instance(s) listening vs 1`, subject: notify, baseline: one.notify },
  ]);
}

import autocannon from 'autocannon';

/** How hard and how long each endpoint is driven. */
export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Load generator threads; 0 runs autocannon on the servers' own event loop. */
  workers: number;
}

/** 50 connections, 5 s after 1 s of warm-up; `BENCH_SECONDS` shortens (or lengthens) the measured part. */
export const DEFAULT_LOAD: LoadOptions = {
  connections: 50,
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 5),
  warmupSeconds: 1,
  workers: 1,
};

export interface Target {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

/** One endpoint's figures from one run. */
export interface Measurement {
  label: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Responses that were not 2xx: a run with any is not a valid measurement. */
  non2xx: number;
}

function run(target: Target, load: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    connections: load.connections,
    duration: seconds,
    ...(load.workers > 0 ? { workers: load.workers } : {}),
  });
}

/**
 * Drives `target` with autocannon for a warm-up, then measures for `load.durationSeconds`.
 * Every answer must have status class `expectedStatus` (e.g. 304 for revalidation, which
 * autocannon would count as non-2xx); any other answer makes the run invalid.
 */
export async function measure(label: string, target: Target, load: LoadOptions = DEFAULT_LOAD, expectedStatus = 200): Promise<Measurement> {
  if (load.warmupSeconds > 0) await run(target, load, load.warmupSeconds);
  const result = await run(target, load, load.durationSeconds);
  const answered = (result as unknown as Record<string, number>)[`${Math.floor(expectedStatus / 100)}xx`] ?? 0;
  return {
    label,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.requests.total - answered,
  };
}

/**
 * Measures every target `rounds` times, in turn (A B C, A B C, …), so a machine that gets busier
 * or quieter during the run weighs on all alike; each figure is the mean of its rounds, its
 * latencies the worst round's. Warms each up once first.
 */
export async function measureRounds(
  targets: { label: string; target: Target; expectedStatus?: number }[],
  load: LoadOptions = DEFAULT_LOAD,
  rounds = Number(process.env.BENCH_ROUNDS ?? 3),
): Promise<Measurement[]> {
  const runs: Measurement[][] = targets.map(() => []);
  for (const t of targets) await measure(t.label, t.target, { ...load, durationSeconds: load.warmupSeconds, warmupSeconds: 0 }, t.expectedStatus);
  for (let round = 0; round < rounds; round++) {
    for (const [i, t] of targets.entries()) runs[i]!.push(await measure(t.label, t.target, { ...load, warmupSeconds: 0 }, t.expectedStatus));
  }
  return runs.map((measured, i) => ({
    label: targets[i]!.label,
    requestsPerSecond: measured.reduce((sum, m) => sum + m.requestsPerSecond, 0) / measured.length,
    latencyP50Ms: Math.max(...measured.map((m) => m.latencyP50Ms)),
    latencyP99Ms: Math.max(...measured.map((m) => m.latencyP99Ms)),
    requests: measured.reduce((sum, m) => sum + m.requests, 0),
    errors: measured.reduce((sum, m) => sum + m.errors, 0),
    non2xx: measured.reduce((sum, m) => sum + m.non2xx, 0),
  }));
}

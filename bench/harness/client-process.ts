import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Measurement } from './measure.ts';

const run = promisify(execFile);
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** What a load client in bench/clients prints as its last line. */
export interface ClientFigures {
  completed: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs the load client `script` with `args` in a separate process, given two minutes beyond its `seconds`. */
export async function runClient(script: string, args: string[], seconds: number): Promise<ClientFigures> {
  const { stdout } = await run(TSX, [script, ...args], { timeout: (seconds + 120) * 1000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ClientFigures;
}

/** Figures of several client runs added up: completions over the total time, the worse latencies. */
export function combined(label: string, runs: ClientFigures[]): Measurement {
  const completed = runs.reduce((n, r) => n + r.completed, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return {
    label,
    requestsPerSecond: completed / seconds,
    latencyP50Ms: Math.max(...runs.map((r) => r.p50)),
    latencyP99Ms: Math.max(...runs.map((r) => r.p99)),
    requests: completed,
    errors: runs.reduce((n, r) => n + r.failures, 0),
    non2xx: 0,
  };
}

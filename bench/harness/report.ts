import type { LoadOptions, Measurement } from './measure.ts';
import { ratio, type Comparison } from './scenario.ts';

/** A plain-text table: numeric columns right-aligned, text columns left-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.]+$/.test(r[i]!)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (n: number, digits = 0) => n.toFixed(digits);

function measurementRow(m: Measurement): string[] {
  return [m.label, fixed(m.requestsPerSecond), fixed(m.latencyP50Ms, 1), fixed(m.latencyP99Ms, 1), String(m.requests), String(m.errors), String(m.non2xx)];
}

/** Every measurement a scenario took. */
export function scenarioTable(name: string, comparisons: Comparison[]): string {
  // A measurement compared against two baselines is listed once.
  const measured = [...new Set(comparisons.flatMap((c) => [c.baseline, c.subject]))];
  const rows = measured.map(measurementRow);
  const notes = comparisons.flatMap((c) => c.notes ?? []).map((n) => `- ${n}`);
  return `\n## ${name}\n\n${table(['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'non-2xx'], rows)}${notes.length ? `\n\n${notes.join('\n')}` : ''}`;
}

/** One line per figure: the ratio each scenario exists to report. */
export function summaryTable(figures: { scenario: string; comparison: Comparison }[], load: LoadOptions): string {
  const rows = figures.map(({ scenario, comparison: c }) => [
    scenario,
    c.figure,
    fixed(c.subject.requestsPerSecond),
    fixed(c.baseline.requestsPerSecond),
    fixed(ratio(c), 2),
    c.subject.non2xx + c.subject.errors + c.baseline.non2xx + c.baseline.errors === 0 ? 'ok' : 'INVALID (failed requests)',
  ]);
  const settings = `autocannon, 127.0.0.1, ${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s each (scenarios that alternate: ${process.env.BENCH_ROUNDS ?? 3} rounds, in turn), ${load.workers} load worker(s)`;
  return `\n## Summary (${settings})\n\n${table(['scenario', 'figure', 'req/s', 'baseline req/s', 'ratio', 'valid'], rows)}`;
}

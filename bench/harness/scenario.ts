import type { BenchEnvironment } from './environment.ts';
import type { LoadOptions, Measurement } from './measure.ts';

/** One figure a scenario reports: an endpoint of the service against a baseline from the same run. */
export interface Comparison {
  figure: string;
  subject: Measurement;
  baseline: Measurement;
  /** Further figures of the same run worth printing (CPU time, shares). */
  notes?: string[];
}

/**
 * A file in bench/scenarios/ default-exports one of these; the file name is the scenario's
 * name (what `npm run bench -- <filter>` matches).
 */
export type Scenario = (bench: BenchEnvironment, load: LoadOptions) => Promise<Comparison[]>;

export function ratio(comparison: Comparison): number {
  return comparison.subject.requestsPerSecond / comparison.baseline.requestsPerSecond;
}

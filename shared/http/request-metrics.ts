import type { HttpMetrics } from './metrics.ts';
import type { CountCell, Tally } from './tallied-metrics.ts';

interface RouteCells {
  duration: Tally;
  requests: Map<number, CountCell>;
}

/**
 * The request counter and latency histogram per method, route template and status, with each
 * label set's cells looked up once and kept: a request then costs two map lookups and two
 * increments. Route templates and statuses are few, so the maps stay small.
 */
export class RequestMetrics {
  readonly #byRoute = new Map<string, Map<string, RouteCells>>();

  constructor(private readonly metrics: HttpMetrics) {}

  record(method: string, route: string, status: number, seconds: number): void {
    const cells = this.#cells(method, route);
    cells.duration.observe(seconds);
    let counter = cells.requests.get(status);
    if (!counter) {
      counter = this.metrics.requests.cell({ method, route, status: String(status) });
      cells.requests.set(status, counter);
    }
    counter.value += 1;
  }

  #cells(method: string, route: string): RouteCells {
    let byMethod = this.#byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.#byRoute.set(route, byMethod);
    }
    let cells = byMethod.get(method);
    if (!cells) {
      cells = { duration: this.metrics.duration.tally({ method, route }), requests: new Map() };
      byMethod.set(method, cells);
    }
    return cells;
  }
}

import type { HttpMetrics } from './metrics.ts';

interface RouteChildren {
  duration: { observe(seconds: number): void };
  requests: Map<number, { inc(): void }>;
}

/**
 * The request counter and latency histogram per method, route template and status, with each
 * label set's prom-client child made once and kept: a request then costs two map lookups
 * instead of a labels object built and validated per metric. Route templates and statuses are
 * few, so the maps stay small.
 */
export class RequestMetrics {
  readonly #byRoute = new Map<string, Map<string, RouteChildren>>();

  constructor(private readonly metrics: HttpMetrics) {}

  record(method: string, route: string, status: number, seconds: number): void {
    const children = this.#children(method, route);
    children.duration.observe(seconds);
    let counter = children.requests.get(status);
    if (!counter) {
      counter = this.metrics.requests.labels(method, route, String(status));
      children.requests.set(status, counter);
    }
    counter.inc();
  }

  #children(method: string, route: string): RouteChildren {
    let byMethod = this.#byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.#byRoute.set(route, byMethod);
    }
    let children = byMethod.get(method);
    if (!children) {
      children = { duration: this.metrics.duration.labels(method, route), requests: new Map() };
      byMethod.set(method, children);
    }
    return children;
  }
}

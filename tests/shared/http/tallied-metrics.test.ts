import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedCounter, TalliedHistogram } from '../../../shared/http/tallied-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES: [string, string, number][] = [
  ['GET', '/a', 0.0005],
  ['GET', '/a', 0.001],
  ['GET', '/a', 0.05],
  ['POST', '/b', 0.7],
  ['POST', '/b', 3],
  ['GET', '/a', 0.2],
];

/** The exposition text of one registry holding only `make`'s metric. */
async function exposition(make: (registry: Registry) => void): Promise<string> {
  const registry = new Registry();
  make(registry);
  return registry.metrics();
}

describe('tallied metrics', () => {
  it('export a histogram exactly as prom-client’s own does for the same observations', async () => {
    const reference = await exposition((registry) => {
      const h = new Histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [registry] });
      for (const [method, route, value] of SAMPLES) h.labels(method, route).observe(value);
    });
    const tallied = await exposition((registry) => {
      const h = new TalliedHistogram({ name: 'latency_seconds', help: 'latency', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [registry] });
      for (const [method, route, value] of SAMPLES) h.tally({ method, route }).observe(value);
    });
    expect(tallied).toBe(reference);
    expect(tallied).toContain('latency_seconds_bucket{le="+Inf",method="POST",route="/b"} 2');
  });

  it('export a counter exactly as prom-client’s own does for the same increments', async () => {
    const reference = await exposition((registry) => {
      const c = new Counter({ name: 'hits_total', help: 'hits', labelNames: ['method', 'route'], registers: [registry] });
      for (const [method, route] of SAMPLES) c.labels(method, route).inc();
    });
    const tallied = await exposition((registry) => {
      const c = new TalliedCounter({ name: 'hits_total', help: 'hits', labelNames: ['method', 'route'], registers: [registry] });
      for (const [method, route] of SAMPLES) c.cell({ method, route }).value += 1;
    });
    expect(tallied).toBe(reference);
    expect(tallied).toContain('hits_total{method="GET",route="/a"} 4');
  });

  it('hand out one cell per label set, so two users of one metric add up instead of exporting the series twice', async () => {
    const registry = new Registry();
    const c = new TalliedCounter({ name: 'hits_total', help: 'hits', labelNames: ['route'], registers: [registry] });
    c.cell({ route: '/a' }).value += 1;
    c.cell({ route: '/a' }).value += 2;
    expect((await registry.metrics()).match(/^hits_total\{/gm)).toHaveLength(1);
    expect(await registry.metrics()).toContain('hits_total{route="/a"} 3');
  });
});

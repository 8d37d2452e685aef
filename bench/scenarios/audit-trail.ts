import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { actionsService } from '../../services/actions/index.ts';
import { verifyAuditTrail } from '../../shared/audit/audit-trail.ts';
import { postSignedJson } from '../../shared/outbound/outbound-request.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { SecurityEventRecorder, logSink } from '../../shared/security-events/index.ts';
import { combined, runClient, type ClientFigures } from '../harness/client-process.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import { quantile } from '../harness/quantile.ts';
import type { Comparison } from '../harness/scenario.ts';

const WRONG_CODES = fileURLToPath(new URL('../clients/wrong-code-load.ts', import.meta.url));
const ENROLLMENTS = fileURLToPath(new URL('../clients/enrollment-load.ts', import.meta.url));
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const CONCURRENCY = 20;
const USERS = 100;
const EVENTS_PER_ENROLLMENT = 3;
const ENDPOINTS = 4;
const WEBHOOK_EVENTS = 1_000;

/**
 * Drives the audited and the unaudited server alternately (A B B A), so a machine that gets
 * busier or quieter during the run weighs on both alike.
 */
async function alternate(drive: (url: string, tag: string) => Promise<ClientFigures>, audited: string, unaudited: string) {
  const on: ClientFigures[] = [];
  const off: ClientFigures[] = [];
  off.push(await drive(unaudited, 'off-1'));
  on.push(await drive(audited, 'on-1'));
  on.push(await drive(audited, 'on-2'));
  off.push(await drive(unaudited, 'off-2'));
  return { on, off };
}

/** Wrong sign-in codes and enrollments per second, with the audit sink and without it. */
async function auditedTransitions(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const { deps } = bench;
  // The same dependencies with one sink fewer: what "auditing off" means, never a runtime switch.
  const unauditedDeps: Deps = { ...deps, securityEvents: new SecurityEventRecorder([logSink(deps.log), deps.webhooks.sink], deps.clock) };
  const audited = await bench.serve([actionsService]);
  const unaudited = await bench.serve([actionsService], unauditedDeps);
  const seconds = load.durationSeconds;

  const wrongCodes = (url: string, tag: string) =>
    runClient(WRONG_CODES, [url, SECRET, `bench-audit-${tag}`, String(USERS), String(CONCURRENCY), String(seconds)], seconds);
  await wrongCodes(audited.url, 'warm');
  const codes = await alternate(wrongCodes, audited.url, unaudited.url);

  const enrollments = (url: string) => runClient(ENROLLMENTS, ['service', url, SECRET, String(CONCURRENCY), String(seconds)], seconds);
  const enrolled = await alternate(enrollments, audited.url, unaudited.url);

  const started = performance.now();
  const verdict = await verifyAuditTrail(deps.db, 'bench-audit-on-1');
  const verifyMs = performance.now() - started;
  // Each user's enrollment leaves enrollment.initiated, enrollment.enrolled and factor.added.
  const rows = codes.on[0]!.completed + USERS * EVENTS_PER_ENROLLMENT;
  return [
    {
      figure: `wrong sign-in codes/s (1 event each, one tenant, c=${CONCURRENCY}), audited vs not`,
      subject: combined('wrong codes, audit trail on', codes.on),
      baseline: combined('wrong codes, audit trail off', codes.off),
      notes: [`verify of one run's chain (${rows} rows expected): ok=${verdict.ok}, checked=${verdict.checked} in ${verifyMs.toFixed(0)} ms`],
    },
    {
      figure: `enrollments/s (initiate + complete, c=${CONCURRENCY}), audited vs not`,
      subject: combined('enrollments, audit trail on', enrolled.on),
      baseline: combined('enrollments, audit trail off', enrolled.off),
    },
  ];
}

/** A local receiver that verifies every signature and counts what it got. */
async function startReceiver(secrets: () => string[]) {
  let received = 0;
  let invalid = 0;
  let onCount: () => void = () => undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const ok = secrets().some((s) => {
        try {
          new Webhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!ok) invalid++;
      received++;
      onCount();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    get received() {
      return received;
    },
    get invalid() {
      return invalid;
    },
    until(count: number): Promise<void> {
      return new Promise((resolve) => {
        onCount = () => received >= count && resolve();
        onCount();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}


/**
 * Webhook deliveries per second: events recorded in their own transactions by 10 writers, each
 * fanned out to 4 endpoints, then the outbox worker drains them, POSTing each signed to a local
 * receiver that verifies every signature; against the same number of signed POSTs sent
 * directly, 4 at a time (the outbox sends one at a time per endpoint, to keep its order).
 */
async function webhookDeliveries(bench: BenchEnvironment): Promise<Comparison> {
  const { deps } = bench;
  const secrets: string[] = [];
  const receiver = await startReceiver(() => secrets);
  try {
    for (let i = 0; i < ENDPOINTS; i++) {
      const created = await deps.webhooks.create({ tenantId: 'bench-hooks', url: receiver.url, events: ['*'] });
      secrets.push(created.secret);
    }
    const total = WEBHOOK_EVENTS * ENDPOINTS;
    // Queued first with the worker stopped, so the figure is the delivery rate alone.
    await deps.outbox.stop();
    const recordStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < WEBHOOK_EVENTS) {
          const i = next++;
          await deps.db.transaction((tx) =>
            deps.securityEvents.record(tx, { event: 'authentication.succeeded', tenantId: 'bench-hooks', sub: `user-${i}`, type: 'TOTP', phId: randomUUID() }),
          );
        }
      }),
    );
    const recordSeconds = (performance.now() - recordStarted) / 1000;
    const started = performance.now();
    await deps.outbox.start();
    await receiver.until(total);
    const seconds = (performance.now() - started) / 1000;
    const viaOutbox: Measurement = { label: 'webhooks via outbox (4 endpoints)', requestsPerSecond: total / seconds, latencyP50Ms: 0, latencyP99Ms: 0, requests: total, errors: receiver.invalid, non2xx: 0 };

    const policy = { production: false, allowPrivate: false };
    const latencies: number[] = [];
    const bareStarted = performance.now();
    await Promise.all(
      secrets.map(async (secret) => {
        for (let i = 0; i < WEBHOOK_EVENTS; i++) {
          const t = performance.now();
          await postSignedJson({ url: receiver.url, id: randomUUID(), payload: { type: 'authentication.succeeded', n: i }, secrets: [secret] }, policy);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const bareSeconds = (performance.now() - bareStarted) / 1000;
    latencies.sort((a, b) => a - b);
    const bare: Measurement = { label: 'bare signed POSTs, 4 at a time', requestsPerSecond: total / bareSeconds, latencyP50Ms: quantile(latencies, 0.5, 0), latencyP99Ms: quantile(latencies, 0.99, 0), requests: total, errors: 0, non2xx: 0 };
    return {
      figure: 'webhook deliveries/s via outbox vs bare signed POSTs',
      subject: viaOutbox,
      baseline: bare,
      notes: [
        `receiver verified ${receiver.received - receiver.invalid} of ${receiver.received} signatures with the standardwebhooks package`,
        `recording the ${WEBHOOK_EVENTS} events (audit + ${ENDPOINTS} outbox rows each, 10 writers): ${(WEBHOOK_EVENTS / recordSeconds).toFixed(0)} events/s`,
        'the outbox sends one delivery at a time per endpoint (to keep its order): each is a claim, an endpoint lookup, the POST and a recorded attempt',
      ],
    };
  } finally {
    await receiver.close();
  }
}

/**
 * The audit trail's cost (the same transitions with and without its sink, in one run) and the
 * webhook delivery rate to a local receiver.
 */
export default async function auditTrail(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  return [...(await auditedTransitions(bench, load)), await webhookDeliveries(bench)];
}

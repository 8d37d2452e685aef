import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { actionsService } from '../../services/actions/index.ts';
import { buildOtpauthUri, renderQrDataUrl } from '../../shared/otp/index.ts';
import type { ClientFigures } from '../harness/client-process.ts';
import { defineEnrollmentFloor } from '../harness/enrollment-floor.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions, Measurement } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('../clients/enrollment-load.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const CONCURRENCY = 20;

/** Drives `url` from a separate process and returns its figures plus this process's CPU time meanwhile. */
async function drive(mode: 'service' | 'service-no-qr' | 'baseline' | 'floor' | 'floor-qr', url: string, secret: string, seconds: number) {
  const cpuBefore = process.cpuUsage();
  const { stdout } = await run(TSX, [CLIENT, mode, url, secret, String(CONCURRENCY), String(seconds)], { timeout: (seconds + 30) * 1000 });
  const cpu = process.cpuUsage(cpuBefore);
  const figures = JSON.parse(stdout.trim().split('\n').pop()!) as ClientFigures;
  return { figures, cpuMs: (cpu.user + cpu.system) / 1000 };
}

type Driven = Awaited<ReturnType<typeof drive>>;

/** Two runs of one mode as one: their enrollments and seconds added, their worse latencies. */
function pooled(a: Driven, b: Driven): Driven {
  const f = (key: 'p50' | 'p99') => Math.max(a.figures[key], b.figures[key]);
  return {
    cpuMs: a.cpuMs + b.cpuMs,
    figures: {
      completed: a.figures.completed + b.figures.completed,
      failures: a.figures.failures + b.figures.failures,
      seconds: a.figures.seconds + b.figures.seconds,
      p50: f('p50'),
      p99: f('p99'),
    },
  };
}

function asMeasurement(label: string, f: ClientFigures): Measurement {
  return {
    label,
    requestsPerSecond: f.completed / f.seconds,
    latencyP50Ms: f.p50,
    latencyP99Ms: f.p99,
    requests: f.completed,
    errors: f.failures,
    non2xx: 0,
  };
}

/** CPU milliseconds one QR rendering of a realistic enrollment URI costs, averaged. */
async function qrCpuMs(samples = 200): Promise<number> {
  const uri = buildOtpauthUri({
    secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', issuer: 'bench-enroll', accountName: 'bench-user-0000', algorithm: 'SHA1', digits: 6,
    period: 30, type: 'totp', displayName: 'bench-user-0000', tenantKey: 'bench-enroll', sub: 'bench-user-0000',
    clientId: '532542d2-c6b8-4921-86b6-bb1da13f941b', baseUrl: 'http://127.0.0.1:8080', exchangeId: 'd5edcec1-d306-4cb8-8650-a3eb0330084d',
  });
  for (let i = 0; i < 20; i++) await renderQrDataUrl(uri);
  const before = process.cpuUsage();
  for (let i = 0; i < samples; i++) await renderQrDataUrl(uri);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / samples;
}

/**
 * Enrollments per second (initiate + complete through the profile path, 20 at once, each for a
 * fresh user) against a bare Koa pair of routes doing the minimum the same flow must do (one
 * INSERT, then one UPDATE of that row) on the same PostgreSQL; plus the server's CPU time per
 * enrollment and the QR rendering's share of it. The load client runs in its own process, so
 * CPU figures are the server's (PostgreSQL's own CPU is not included).
 */
export default async function enrollments(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const secret = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
  const service = await bench.serve([actionsService]);
  await bench.deps.db.query('CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, done boolean NOT NULL DEFAULT false)');
  let floorRoutes: Promise<void> = Promise.resolve();
  const bare = await bench.serveBare((router) => {
    floorRoutes = defineEnrollmentFloor(bench.deps.db, router);
    router.post('/baseline/initiate', async (ctx) => {
      const { rows } = await bench.deps.db.query<{ id: string }>('INSERT INTO bench_baseline DEFAULT VALUES RETURNING id');
      ctx.body = rows[0];
    });
    router.post('/baseline/complete', async (ctx) => {
      let raw = '';
      for await (const chunk of ctx.req) raw += chunk;
      const { id } = JSON.parse(raw) as { id: string };
      await bench.deps.db.query('UPDATE bench_baseline SET done = true WHERE id = $1', [id]);
      ctx.body = { ok: true };
    });
  });

  await floorRoutes;

  await drive('service', service.url, secret, load.warmupSeconds);
  await drive('floor', bare.url, secret, load.warmupSeconds);
  const baselineFirst = await drive('baseline', bare.url, secret, load.durationSeconds);
  const subject = await drive('service', service.url, secret, load.durationSeconds);
  const withoutQr = await drive('service-no-qr', service.url, secret, load.durationSeconds);
  const floor = await drive('floor', bare.url, secret, load.durationSeconds);
  const floorQr = await drive('floor-qr', bare.url, secret, load.durationSeconds);
  // Measured first and last, and pooled, so a machine that gets busier or quieter meanwhile weighs on both sides.
  const baseline = pooled(baselineFirst, await drive('baseline', bare.url, secret, load.durationSeconds));
  const perEnrollment = subject.cpuMs / Math.max(subject.figures.completed, 1);
  const qr = await qrCpuMs();
  return [
    {
      figure: `enrollments/s (initiate + complete, c=${CONCURRENCY}) vs bare INSERT+UPDATE pair, target >= 0.5`,
      subject: asMeasurement('enrollments (initiate + verification)', subject.figures),
      baseline: asMeasurement('bare Koa INSERT + UPDATE pair', baseline.figures),
      notes: [
        `server CPU per enrollment: ${perEnrollment.toFixed(2)} ms (bare pair: ${(baseline.cpuMs / Math.max(baseline.figures.completed, 1)).toFixed(2)} ms)`,
        `QR rendering: ${qr.toFixed(2)} ms CPU each = ${((qr / perEnrollment) * 100).toFixed(0)} % of an enrollment's server CPU`,
      ],
    },
    {
      figure: `enrollments/s as above for a page that renders the URI itself (?qr=none) vs bare INSERT+UPDATE pair`,
      subject: asMeasurement('enrollments, ?qr=none', withoutQr.figures),
      baseline: asMeasurement('bare Koa INSERT + UPDATE pair', baseline.figures),
      notes: [`server CPU per enrollment without QR: ${(withoutQr.cpuMs / Math.max(withoutQr.figures.completed, 1)).toFixed(2)} ms`],
    },
    {
      figure: `floor of the same flow (8 statements, 2 transactions, no app code) vs bare INSERT+UPDATE pair`,
      subject: asMeasurement('floor: the flow in as few statements as SQL allows', floor.figures),
      baseline: asMeasurement('bare Koa INSERT + UPDATE pair', baseline.figures),
      notes: [
        `server CPU per floor enrollment: ${(floor.cpuMs / Math.max(floor.figures.completed, 1)).toFixed(2)} ms`,
        `the service vs its floor: ${(subject.figures.completed / subject.figures.seconds / (floor.figures.completed / floor.figures.seconds)).toFixed(2)}x`,
      ],
    },
    {
      figure: `floor plus the PNG QR code the initiation returns by default vs bare INSERT+UPDATE pair`,
      subject: asMeasurement('floor + QR: the same, rendering the QR code', floorQr.figures),
      baseline: asMeasurement('bare Koa INSERT + UPDATE pair', baseline.figures),
      notes: [`server CPU per floor + QR enrollment: ${(floorQr.cpuMs / Math.max(floorQr.figures.completed, 1)).toFixed(2)} ms`],
    },
  ];
}

import { fileURLToPath } from 'node:url';
import { actionsService } from '../../services/actions/index.ts';
import { buildOtpauthUri, renderQrDataUrl } from '../../shared/otp/index.ts';
import { combined, runClient, type ClientFigures } from '../harness/client-process.ts';
import { defineEnrollmentFloor } from '../harness/enrollment-floor.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

const CLIENT = fileURLToPath(new URL('../clients/enrollment-load.ts', import.meta.url));
const CONCURRENCY = 20;

/** Runs of one load mode, and this process's (the servers') CPU time while they ran. */
interface Driven {
  runs: ClientFigures[];
  cpuMs: number;
}

/** Drives `url` from a separate process and returns its figures plus this process's CPU time meanwhile. */
async function drive(mode: 'service' | 'service-no-qr' | 'baseline' | 'floor' | 'floor-qr', url: string, secret: string, seconds: number): Promise<Driven> {
  const cpuBefore = process.cpuUsage();
  const figures = await runClient(CLIENT, [mode, url, secret, String(CONCURRENCY), String(seconds)], seconds);
  const cpu = process.cpuUsage(cpuBefore);
  return { runs: [figures], cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Two drives of one mode as one (see `combined`), their CPU time added. */
const pooled = (a: Driven, b: Driven): Driven => ({ runs: [...a.runs, ...b.runs], cpuMs: a.cpuMs + b.cpuMs });

/** Server CPU milliseconds per completed enrollment of `d`. */
function cpuPerEnrollment(d: Driven): number {
  return d.cpuMs / Math.max(d.runs.reduce((n, r) => n + r.completed, 0), 1);
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
  const perEnrollment = cpuPerEnrollment(subject);
  const qr = await qrCpuMs();
  const bareFigures = combined('bare Koa INSERT + UPDATE pair', baseline.runs);
  const serviceFigures = combined('enrollments (initiate + verification)', subject.runs);
  const floorFigures = combined('floor: the flow in as few statements as SQL allows', floor.runs);
  return [
    {
      figure: `enrollments/s (initiate + complete, c=${CONCURRENCY}) vs bare INSERT+UPDATE pair, target >= 0.5`,
      subject: serviceFigures,
      baseline: bareFigures,
      notes: [
        `server CPU per enrollment: ${perEnrollment.toFixed(2)} ms (bare pair: ${cpuPerEnrollment(baseline).toFixed(2)} ms)`,
        `QR rendering: ${qr.toFixed(2)} ms CPU each = ${((qr / perEnrollment) * 100).toFixed(0)} % of an enrollment's server CPU`,
      ],
    },
    {
      figure: `enrollments/s as above for a page that renders the URI itself (?qr=none) vs bare INSERT+UPDATE pair`,
      subject: combined('enrollments, ?qr=none', withoutQr.runs),
      baseline: bareFigures,
      notes: [`server CPU per enrollment without QR: ${cpuPerEnrollment(withoutQr).toFixed(2)} ms`],
    },
    {
      figure: `floor of the same flow (8 statements, 2 transactions, no app code) vs bare INSERT+UPDATE pair`,
      subject: floorFigures,
      baseline: bareFigures,
      notes: [
        `server CPU per floor enrollment: ${cpuPerEnrollment(floor).toFixed(2)} ms`,
        `the service vs its floor: ${(serviceFigures.requestsPerSecond / floorFigures.requestsPerSecond).toFixed(2)}x`,
      ],
    },
    {
      figure: `floor plus the PNG QR code the initiation returns by default vs bare INSERT+UPDATE pair`,
      subject: combined('floor + QR: the same, rendering the QR code', floorQr.runs),
      baseline: bareFigures,
      notes: [`server CPU per floor + QR enrollment: ${cpuPerEnrollment(floorQr).toFixed(2)} ms`],
    },
  ];
}

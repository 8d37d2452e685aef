import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { actionsService } from '../../services/actions/index.ts';
import { statusService } from '../../services/status/index.ts';
import { securityHeaderValues } from '../../shared/http/middleware/security-headers.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import { measureRounds, type LoadOptions } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';
import type { Measurement } from '../harness/measure.ts';

const STATUS_ROUTE = '/verification-srv/verificationstatus/:status_id';

async function cacheReads(bench: BenchEnvironment): Promise<Record<string, number>> {
  const metric = await bench.deps.statusMetrics.cacheReads.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

/**
 * `GET /verification-srv/verificationstatus/{id}` of a live enrollment, answered from the
 * per-process cache the status events keep exact (each read still waits for a coalesced
 * NOTIFY barrier, so it is never older than a committed change), as 200 and as 304
 * (`If-None-Match` with the current ETag), against two baselines served from this process in
 * the same run:
 *
 * - issue 14's: Koa + @koa/router + its own `pg` Pool doing one prepared (named)
 *   `SELECT status FROM exchanges WHERE status_id = $1` and answering it as JSON
 *   (targets: 200 ≥ 1.6×, 304 ≥ 1.8×);
 * - a bare Koa + @koa/router route answering the status document as constant JSON: what the
 *   HTTP stack alone costs (target: 200 ≥ 0.8×).
 */
export default async function statusPoll(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const status = await bench.serve([statusService]);
  const actions = await bench.serve([actionsService]);
  const token = await bench.token({ sub: 'bench-poller', tenant: 'bench-status' });
  const started = await fetch(`${actions.url}/verification-actions-srv/setup/totp/initiation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (started.status !== 201) throw new Error(`could not start an enrollment: ${started.status}`);
  const { status_id: statusId } = (await started.json()) as { status_id: string };
  const path = `/verification-srv/verificationstatus/${statusId}`;
  const first = await fetch(`${status.url}${path}`);
  const etag = first.headers.get('etag')!;
  const document: unknown = await first.json();

  const pool = new pg.Pool({ connectionString: bench.deps.config.database.url!, max: 10 });
  const bareSelect = await bench.serveBare((router) => {
    router.get(STATUS_ROUTE, async (ctx) => {
      const { rows } = await pool.query<{ status: string }>({
        name: 'bench-status-by-id',
        text: 'SELECT status FROM exchanges WHERE status_id = $1',
        values: [ctx.params.status_id],
      });
      ctx.body = { status: rows[0]?.status };
    });
  });
  const bareConstant = await bench.serveBare((router) => {
    router.get(STATUS_ROUTE, (ctx) => {
      ctx.body = document;
    });
  });
  // Diagnostic: the constant route plus the cached read the service does (its NOTIFY barrier):
  // the part of the gap to the constant route that is the barrier's, the rest the HTTP layer's.
  const bareBarrier = await bench.serveBare((router) => {
    router.get(STATUS_ROUTE, async (ctx) => {
      await bench.deps.statusHub.read(statusId);
      ctx.body = document;
    });
  });
  // Diagnostic: the same plus the headers every answer of the service carries (security headers,
  // a fresh request id, the ETag and Cache-Control of a status): what is left is the service's.
  const headers = securityHeaderValues(bench.deps.config);
  const bareBarrierHeaders = await bench.serveBare((router) => {
    router.get(STATUS_ROUTE, async (ctx) => {
      await bench.deps.statusHub.read(statusId);
      ctx.set(headers);
      ctx.set('X-Request-Id', randomUUID());
      ctx.set('ETag', etag);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = document;
    });
  });
  const revalidate = { 'if-none-match': etag };

  try {
    const before = await cacheReads(bench);
    const [select, constant, barrier, barrierHeaders, subject200, subject304] = (await measureRounds(
      [
        { label: 'bare Koa + pg Pool, prepared SELECT, JSON', target: { url: `${bareSelect.url}${path}` } },
        { label: 'bare Koa route, constant JSON', target: { url: `${bareConstant.url}${path}` } },
        { label: 'bare Koa route, cached read (barrier) + constant JSON', target: { url: `${bareBarrier.url}${path}` } },
        { label: 'bare Koa route, barrier + constant JSON + the service headers', target: { url: `${bareBarrierHeaders.url}${path}` } },
        { label: 'GET verificationstatus, cached (200)', target: { url: `${status.url}${path}` } },
        { label: 'GET verificationstatus, cached (304)', target: { url: `${status.url}${path}`, headers: revalidate }, expectedStatus: 304 },
      ],
      load,
    )) as [Measurement, Measurement, Measurement, Measurement, Measurement, Measurement];
    const after = await cacheReads(bench);
    const delta = (result: string) => (after[result] ?? 0) - (before[result] ?? 0);
    const reads = delta('hit') + delta('miss') + delta('bypass');

    return [
      { figure: 'status poll (200) vs Koa + pg prepared SELECT, target >= 1.6', subject: subject200, baseline: select },
      { figure: 'status poll (304) vs Koa + pg prepared SELECT, target >= 1.8', subject: subject304, baseline: select },
      {
        figure: 'status poll (200) vs bare Koa constant JSON, target >= 0.8',
        subject: subject200,
        baseline: constant,
        notes: [
          `status reads during the runs: ${reads} (cache hits ${((delta('hit') / Math.max(reads, 1)) * 100).toFixed(2)} %, misses ${delta('miss')}, database bypasses ${delta('bypass')})`,
          'every cached read first waits for a NOTIFY barrier (shared by the reads of one event-loop turn, two in flight at most)',
        ],
      },
      { figure: 'diagnostic: bare route with the cached read (barrier) vs bare constant JSON', subject: barrier, baseline: constant },
      { figure: 'diagnostic: bare route with the barrier and the service headers vs bare constant JSON', subject: barrierHeaders, baseline: constant },
    ];
  } finally {
    await pool.end();
  }
}

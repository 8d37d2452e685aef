import { actionsService } from '../../services/actions/index.ts';
import { statusService } from '../../services/status/index.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import { measure, type LoadOptions } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

const STATUS_ROUTE = '/verification-srv/verificationstatus/:status_id';

interface StatusRow {
  status: string;
  status_id: string;
  sub: string;
  verification_type: string;
  ph_id: string | null;
  device_id: string | null;
  expires_at: Date;
  updated_at: Date;
  version: number;
}

async function cacheReads(bench: BenchEnvironment): Promise<Record<string, number>> {
  const metric = await bench.deps.statusMetrics.cacheReads.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

/**
 * `GET /verification-srv/verificationstatus/{id}` of a live enrollment, answered from the
 * per-process cache the status events keep exact (each read still waits for a coalesced
 * NOTIFY barrier, so it is never older than a committed change), against a plain Koa route
 * doing one `SELECT … WHERE status_id = $1` on the same PostgreSQL and building the same JSON
 * and ETag. Both as 200 and as 304 (`If-None-Match` with the current ETag). Target: ≥ 1.5×.
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
  const etag = (await fetch(`${status.url}${path}`)).headers.get('etag')!;

  const bare = await bench.serveBare((router) => {
    router.get(STATUS_ROUTE, async (ctx) => {
      const { rows } = await bench.deps.db.query<StatusRow>(
        `SELECT status, status_id, sub, verification_type, ph_id, device_id, expires_at, updated_at, version
         FROM exchanges WHERE status_id = $1`,
        [ctx.params.status_id],
      );
      const row = rows[0];
      if (!row) {
        ctx.status = 404;
        return;
      }
      const tag = `"${row.status_id}.${row.version}"`;
      ctx.set('ETag', tag);
      ctx.set('Cache-Control', 'no-cache');
      if (ctx.get('if-none-match') === tag) {
        ctx.status = 304;
        return;
      }
      ctx.body = {
        status: row.status,
        id: row.status_id,
        sub: row.sub,
        type: row.verification_type,
        ...(row.ph_id ? { ph_id: row.ph_id } : {}),
        ...(row.device_id ? { device_id: row.device_id } : {}),
        expires_at: row.expires_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      };
    });
  });
  const revalidate = { 'if-none-match': etag };

  const before = await cacheReads(bench);
  const baseline200 = await measure('bare Koa route, one SELECT (200)', { url: `${bare.url}${path}` }, load);
  const subject200 = await measure('GET verificationstatus, cached (200)', { url: `${status.url}${path}` }, load);
  const baseline304 = await measure('bare Koa route, one SELECT (304)', { url: `${bare.url}${path}`, headers: revalidate }, load, 304);
  const subject304 = await measure('GET verificationstatus, cached (304)', { url: `${status.url}${path}`, headers: revalidate }, load, 304);
  const after = await cacheReads(bench);
  const delta = (result: string) => (after[result] ?? 0) - (before[result] ?? 0);
  const reads = delta('hit') + delta('miss') + delta('bypass');

  return [
    { figure: 'status poll (200) vs bare SELECT route, target >= 1.5', subject: subject200, baseline: baseline200 },
    {
      figure: 'status poll (304) vs bare SELECT route, target >= 1.5',
      subject: subject304,
      baseline: baseline304,
      notes: [
        `status reads during the runs: ${reads} (cache hits ${((delta('hit') / Math.max(reads, 1)) * 100).toFixed(2)} %, misses ${delta('miss')}, database bypasses ${delta('bypass')})`,
        'every cached read first waits for a NOTIFY barrier (one in flight at a time, shared by all reads that arrived meanwhile)',
      ],
    },
  ];
}

import { fileURLToPath } from 'node:url';
import { actionsService } from '../../services/actions/index.ts';
import { combined, runClient, type ClientFigures } from '../harness/client-process.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import type { LoadOptions } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

const CLIENT = fileURLToPath(new URL('../clients/wrong-code-load.ts', import.meta.url));
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PATH = '/verification-srv/authentication/totp/verification';
const CONCURRENCY = 20;
const USERS = 100;

/**
 * Sign-in verifications per second (`POST /verification-srv/authentication/totp/verification`
 * with wrong codes for 100 enrolled users of one tenant, 20 at once from a separate process;
 * each locks the user's throttle, checks the code against the user's authenticators, counts
 * the failure and records its security event, or answers 429 while the user must wait),
 * against a bare Koa route doing the least such a check must: one transaction of
 * `SELECT … FOR UPDATE` + `UPDATE` of a per-user row on the same PostgreSQL. Driven in turn
 * (bare, service, service, bare). Target: ≥ 0.5×.
 */
export default async function signInVerification(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const service = await bench.serve([actionsService]);
  const { db } = bench.deps;
  await db.query('CREATE TABLE IF NOT EXISTS bench_throttle (id integer PRIMARY KEY, failures integer NOT NULL DEFAULT 0)');
  await db.query('INSERT INTO bench_throttle (id) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING', [USERS]);
  const bare = await bench.serveBare((router) => {
    router.post(PATH, async (ctx) => {
      let raw = '';
      for await (const chunk of ctx.req) raw += chunk;
      JSON.parse(raw);
      const id = Math.floor(Math.random() * USERS);
      await db.transaction(async (tx) => {
        await tx.query('SELECT failures FROM bench_throttle WHERE id = $1 FOR UPDATE', [id]);
        await tx.query('UPDATE bench_throttle SET failures = failures + 1 WHERE id = $1', [id]);
      });
      ctx.status = 400;
      ctx.body = { code: 'VER_0000' };
    });
  });

  const seconds = load.durationSeconds;
  const drive = async (target: string, tag: string): Promise<ClientFigures> => {
    const args = [service.url, SECRET, `bench-signin-${tag}`, String(USERS), String(CONCURRENCY), String(seconds), target];
    return runClient(CLIENT, args, seconds);
  };
  await drive(service.url, 'warm');
  const bareRuns = [await drive(bare.url, 'bare-1')];
  const serviceRuns = [await drive(service.url, 'service-1'), await drive(service.url, 'service-2')];
  bareRuns.push(await drive(bare.url, 'bare-2'));
  return [
    {
      figure: `sign-in verifications/s (wrong codes, c=${CONCURRENCY}) vs bare SELECT FOR UPDATE + UPDATE, target >= 0.5`,
      subject: combined('POST authentication/totp/verification', serviceRuns),
      baseline: combined('bare Koa, SELECT … FOR UPDATE + UPDATE', bareRuns),
      notes: ['each service request: throttle row locked (the tenant is upserted only the first time), code checked, failure counted, security event recorded (audit + webhooks)'],
    },
  ];
}

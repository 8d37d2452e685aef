import { randomUUID } from 'node:crypto';
import { configService } from '../../services/config/index.ts';
import { securityHeaderValues } from '../../shared/http/middleware/security-headers.ts';
import type { BenchEnvironment } from '../harness/environment.ts';
import { measureRounds, type LoadOptions, type Measurement } from '../harness/measure.ts';
import type { Comparison } from '../harness/scenario.ts';

const TENANT = 'bench-tenant';
const LIST_PATH = '/verification-srv/config/list';

/**
 * `GET /verification-srv/config/list` with a real bearer token for a tenant that has a stored
 * row (the list cached per tenant, the token verified once), against a bare Koa route answering
 * the same constant JSON from the same process, in turn. Target: ≥ 0.8×.
 */
export default async function configList(bench: BenchEnvironment, load: LoadOptions): Promise<Comparison[]> {
  const service = await bench.serve([configService]);
  const admin = await bench.token({ sub: 'bench-admin', tenant: TENANT, scope: 'verification:admin' });
  const stored = await fetch(`${service.url}/verification-srv/config/totp`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ active: true }),
  });
  if (!stored.ok) throw new Error(`could not store the tenant's method row: ${stored.status}`);

  const user = await bench.token({ sub: 'bench-user', tenant: TENANT });
  const expected = await (await fetch(`${service.url}${LIST_PATH}`, { headers: { authorization: `Bearer ${user}` } })).json();
  const bare = await bench.serveBare((router) => {
    router.get(LIST_PATH, (ctx) => {
      ctx.body = expected;
    });
  });
  // Diagnostic: the constant route plus the headers every answer of the service carries (the
  // security headers and a fresh request id): the part of the gap that is those bytes' and sets'.
  const headers = securityHeaderValues(bench.deps.config);
  const bareWithHeaders = await bench.serveBare((router) => {
    router.get(LIST_PATH, (ctx) => {
      ctx.set(headers);
      ctx.set('X-Request-Id', randomUUID());
      ctx.body = expected;
    });
  });

  const [baseline, withHeaders, subject] = (await measureRounds(
    [
      { label: 'bare Koa route, constant JSON', target: { url: `${bare.url}${LIST_PATH}` } },
      { label: 'bare Koa route, constant JSON + the service headers', target: { url: `${bareWithHeaders.url}${LIST_PATH}` } },
      { label: 'GET config/list (token, cached per tenant)', target: { url: `${service.url}${LIST_PATH}`, headers: { authorization: `Bearer ${user}` } } },
    ],
    load,
  )) as [Measurement, Measurement, Measurement];
  return [
    { figure: 'config list vs bare Koa route, target >= 0.8', subject, baseline },
    { figure: 'diagnostic: bare route with the service headers vs bare constant JSON', subject: withHeaders, baseline },
  ];
}

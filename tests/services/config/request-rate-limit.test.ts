import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditClient, uniqueTenant } from '../../helpers/audit.ts';
import { request, type JsonResponse } from '../../helpers/http.ts';
import { withEnrollmentServer } from '../../helpers/enrollment.ts';
import { expectProblem } from '../../helpers/problem.ts';
import {
  type BudgetedEndpoint,
  describeBudgetedEndpoints,
  expectCutOffAtBudget,
  flood,
  FLOOD,
  withFrozenClock,
} from '../../helpers/request-budget.ts';
import { uniqueSub } from '../../helpers/sign-in.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { webhookClient } from '../../helpers/webhooks.ts';

// The server runs with REQUEST_RATE_LIMIT's default (120 a minute).
let server: TestServer;
withEnrollmentServer((s) => {
  server = s;
});
withFrozenClock(() => server);

const audit = () => auditClient(server);
const hooks = () => webhookClient(server);
const adminOf = (tenant: string) => server.token({ sub: uniqueSub('admin'), tenant, scope: 'verification:admin' });
// Nothing listens there, and no event of these tenants is ever delivered: only the endpoints' rows matter.
const HOOK = { url: 'http://127.0.0.1:9/hook', events: ['*'] };

/**
 * A webhook endpoint of `tenant` and a new admin of it, whose budget is untouched (another
 * admin created the endpoint: every admin of a tenant manages all its endpoints).
 */
async function adminWithEndpoint(tenant: string) {
  const created = await hooks().create(await adminOf(tenant), HOOK);
  expect(created.status).toBe(201);
  return { admin: await adminOf(tenant), id: created.body.id };
}

/** A caller who is a new admin of the tenant, sending `send` with their token. */
const asAdmin = (send: (admin: string) => Promise<JsonResponse>) => async (tenant: string) => {
  const admin = await adminOf(tenant);
  return () => send(admin);
};

/** A caller who is a new admin of a tenant with a webhook endpoint (adminWithEndpoint), sending `send` about it. */
const asAdminWithEndpoint = (send: (admin: string, id: string) => Promise<JsonResponse>) => async (tenant: string) => {
  const { admin, id } = await adminWithEndpoint(tenant);
  return () => send(admin, id);
};

/** The config service's endpoints that have no limit of their own. */
const ENDPOINTS: BudgetedEndpoint[] = [
  {
    operation: 'GET /verification-srv/config/list',
    what: 'method lists',
    okStatus: 200,
    caller: asAdmin((admin) => request(`${server.url}/verification-srv/config/list`, { token: admin })),
  },
  {
    operation: 'GET /verification-srv/config/{type}',
    what: 'method settings reads',
    okStatus: 200,
    caller: asAdmin((admin) => request(`${server.url}/verification-srv/config/totp`, { token: admin })),
  },
  {
    operation: 'PUT /verification-srv/config/{type}',
    what: 'method changes',
    okStatus: 200,
    caller: asAdmin((admin) => request(`${server.url}/verification-srv/config/totp`, { method: 'PUT', token: admin, body: { active: true } })),
  },
  {
    operation: 'GET /verification-srv/audit',
    what: 'audit listings',
    okStatus: 200,
    caller: asAdmin((admin) => audit().list(admin, 'limit=200&order=asc')),
  },
  {
    operation: 'GET /verification-srv/audit/verify',
    what: 'audit chain checks',
    okStatus: 200,
    caller: asAdmin((admin) => audit().verify(admin)),
  },
  {
    operation: 'POST /verification-srv/webhooks',
    what: 'webhook creations',
    // The flooder's creations filled the tenant's 20 endpoints: the endpoint's own 409, not the budget's 429.
    okStatus: 409,
    caller: asAdmin((admin) => hooks().create(admin, HOOK)),
  },
  {
    operation: 'GET /verification-srv/webhooks',
    what: 'webhook listings',
    okStatus: 200,
    caller: asAdminWithEndpoint((admin) => hooks().list(admin)),
  },
  {
    operation: 'GET /verification-srv/webhooks/{id}',
    what: 'reads of a webhook endpoint',
    okStatus: 200,
    caller: asAdminWithEndpoint((admin, id) => hooks().get(admin, id)),
  },
  {
    operation: 'DELETE /verification-srv/webhooks/{id}',
    what: 'deletions of a webhook endpoint',
    okStatus: 204,
    caller: asAdminWithEndpoint((admin, id) => hooks().remove(admin, id)),
  },
  {
    operation: 'POST /verification-srv/webhooks/{id}/rotate-secret',
    what: 'secret rotations',
    okStatus: 200,
    caller: asAdminWithEndpoint((admin, id) => hooks().rotate(admin, id)),
  },
  {
    operation: 'GET /verification-srv/webhooks/{id}/deliveries',
    what: 'delivery listings',
    okStatus: 200,
    caller: asAdminWithEndpoint((admin, id) => hooks().deliveries(admin, id)),
  },
  {
    operation: 'POST /verification-srv/webhooks/{id}/deliveries/{delivery_id}/retry',
    what: 'delivery retries',
    // No such delivery: the endpoint's own 404, not the budget's 429.
    okStatus: 404,
    caller: asAdminWithEndpoint((admin, id) => hooks().retry(admin, id, randomUUID())),
  },
];

describeBudgetedEndpoints(ENDPOINTS, 'admin');

describe('REQUEST_RATE_LIMIT for an admin console', () => {
  it('never refuses an admin page open for ten minutes that refreshes webhooks every 5 s and pages the audit trail every 10 s', async () => {
    const tenant = uniqueTenant('console');
    const { admin, id } = await adminWithEndpoint(tenant);
    const statuses = new Set<number>();
    for (let second = 0; second <= 600; second += 5) {
      statuses.add((await hooks().list(admin)).status);
      statuses.add((await hooks().deliveries(admin, id)).status);
      if (second % 10 === 0) statuses.add((await audit().list(admin)).status);
      if (second % 60 === 0) statuses.add((await audit().verify(admin)).status);
      server.clock.advance(5_000);
    }
    expect([...statuses]).toEqual([200]);
  });

  it('counts refused requests too: a plain user flooding the audit trail gets 403 until the budget is spent, then 429', async () => {
    const user = await server.token({ sub: uniqueSub('curious'), tenant: uniqueTenant('flood') });
    const responses = await flood(FLOOD, () => audit().list(user));
    expectCutOffAtBudget(responses);
    for (const res of responses.filter((r) => r.status !== 429)) expectProblem(res, 403, 'VER_0012');
  });
});

import { describe, expect, it } from 'vitest';
import { auditClient, uniqueTenant } from '../../helpers/audit.ts';
import { type EnrollmentClient, withEnrollmentServer } from '../../helpers/enrollment.ts';
import {
  type BudgetedEndpoint,
  describeBudgetedEndpoints,
  expectOverBudget,
  flood,
  FLOOD,
  withFrozenClock,
} from '../../helpers/request-budget.ts';
import { enrolledUser, uniqueSub } from '../../helpers/sign-in.ts';
import { steppedUpToken } from '../../helpers/step-up.ts';
import type { TestServer } from '../../helpers/test-server.ts';

// The server runs with REQUEST_RATE_LIMIT's default (120 a minute).
let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});
withFrozenClock(() => server);

const tokenOf = (tenant: string, prefix = 'caller') => server.token({ sub: uniqueSub(prefix), tenant });
const activity = (token: string, headers: Record<string, string> = {}) => auditClient(server).activity(token, '', headers);

/** The actions endpoints a profile page calls that have no limit of their own. */
const ENDPOINTS: BudgetedEndpoint[] = [
  {
    operation: 'GET /verification-actions-srv/devices',
    what: 'device lists',
    okStatus: 200,
    async caller(tenant) {
      const token = await tokenOf(tenant);
      return () => api.devices(token);
    },
  },
  {
    operation: 'PUT /verification-actions-srv/setup/users/friendlyname/{method}',
    what: 'renames of a device',
    okStatus: 200,
    async caller(tenant) {
      const user = await enrolledUser(server, { prefix: 'renamer', tenant });
      return () => api.rename(user.token, user.phId, 'Work phone');
    },
  },
  {
    operation: 'DELETE /verification-actions-srv/devices/{ph_id}',
    what: 'removals of a device',
    okStatus: 204,
    async caller(tenant) {
      const user = await enrolledUser(server, { prefix: 'remover', tenant });
      const token = await steppedUpToken(server, { sub: user.sub, tenant });
      return () => api.removeDevice(token, user.phId);
    },
  },
  {
    operation: 'GET /verification-actions-srv/activity',
    what: 'activity polls',
    okStatus: 200,
    async caller(tenant) {
      const token = await tokenOf(tenant);
      return () => activity(token);
    },
  },
  {
    operation: 'DELETE /verification-actions-srv/setup/{method}/{exchange_id}',
    what: 'cancels of an enrollment',
    okStatus: 200,
    async caller(tenant) {
      const token = await tokenOf(tenant);
      const { body: offer } = await api.initiate(token);
      return () => api.cancel(token, offer.exchange_id.exchange_id);
    },
  },
];

describeBudgetedEndpoints(ENDPOINTS, 'user');

describe('REQUEST_RATE_LIMIT for a profile page', () => {
  it('never refuses a profile page open in three tabs for ten minutes, each polling the activity every 5 s', async () => {
    const tenant = uniqueTenant('profile');
    const user = await enrolledUser(server, { prefix: 'tabs', tenant });
    const statuses = new Set<number>();
    const etags: (string | undefined)[] = [undefined, undefined, undefined];
    // Each tab loads devices and activity, then polls the activity with its ETag every 5 s; the
    // user renames the device and reloads the list once a minute.
    for (let tab = 0; tab < 3; tab++) {
      statuses.add((await api.devices(user.token)).status);
      const first = await activity(user.token);
      statuses.add(first.status);
      etags[tab] = first.headers.get('etag') ?? undefined;
    }
    for (let second = 5; second <= 600; second += 5) {
      server.clock.advance(5_000);
      for (let tab = 0; tab < 3; tab++) {
        const poll = await activity(user.token, etags[tab] ? { 'If-None-Match': etags[tab]! } : {});
        statuses.add(poll.status);
        etags[tab] = poll.headers.get('etag') ?? etags[tab];
      }
      if (second % 60 === 0) {
        statuses.add((await api.rename(user.token, user.phId, `Phone ${second / 60}`)).status);
        statuses.add((await api.devices(user.token)).status);
      }
    }
    expect([...statuses].sort()).toEqual([200, 304]);
  });

  it('lets the flooder in again once Retry-After has passed', async () => {
    const token = await tokenOf(uniqueTenant('flood'));
    await flood(FLOOD, () => activity(token));
    const refused = await activity(token);
    expectOverBudget(refused);
    server.clock.advance(Number(refused.headers.get('retry-after')) * 1000);
    expect((await activity(token)).status).toBe(200);
  });

  it('is one budget for every endpoint: a flood of device lists also holds back the activity', async () => {
    const token = await tokenOf(uniqueTenant('flood'));
    await flood(FLOOD, () => api.devices(token));
    expectOverBudget(await activity(token));
  });

  it('counts the same sub in another tenant as another caller', async () => {
    const sub = uniqueSub('twin');
    const [inAcme, inGlobex] = [await server.token({ sub, tenant: uniqueTenant('acme') }), await server.token({ sub, tenant: uniqueTenant('globex') })];
    await flood(FLOOD, () => activity(inAcme));
    expectOverBudget(await activity(inAcme));
    expect((await activity(inGlobex)).status).toBe(200);
  });

  it('counts an admin acting for a user against the admin, not the user', async () => {
    const tenant = uniqueTenant('admin');
    const userSub = uniqueSub('looked-up');
    const user = await server.token({ sub: userSub, tenant });
    const admin = await server.token({ sub: uniqueSub('admin'), tenant, scope: 'verification:admin' });
    await flood(FLOOD, () => api.devices(admin, userSub));
    expectOverBudget(await api.devices(admin, userSub));
    expect((await api.devices(user)).status).toBe(200);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueTenant } from './audit.ts';
import type { JsonResponse } from './http.ts';
import { expectProblem } from './problem.ts';
import type { TestServer } from './test-server.ts';

/**
 * REQUEST_RATE_LIMIT's default: the tests run against the budget a deployment gets unless it
 * says otherwise, so they show that budget both stops a flood and lets a real UI work.
 */
export const REQUEST_BUDGET = 120;

/** A flood: the whole budget and 30 requests more, all at once. */
export const FLOOD = REQUEST_BUDGET + 30;

/** One endpoint under the budget, as a test drives it. */
export interface BudgetedEndpoint {
  /** `METHOD /path`, as openapi.yaml names it. */
  operation: string;
  /** What a flood of it is a flood of ("device lists"). */
  what: string;
  /** A new user of `tenant` with what the endpoint needs (a device, an exchange…), and the request they send. */
  caller(tenant: string): Promise<() => Promise<JsonResponse>>;
  /** What the request of another caller gets after the flood: the endpoint's own answer, never the budget's 429. */
  okStatus: number;
}

/**
 * Stops the server's clock for each test, so no budget refills while a flood is under way and
 * exactly the budget passes; tests that mean time to pass move the clock themselves.
 */
export function withFrozenClock(server: () => TestServer): void {
  beforeEach(() => server().clock.freeze());
  afterEach(() => server().clock.resume());
}

/** Sends `count` requests at once. */
export function flood(count: number, send: () => Promise<JsonResponse>): Promise<JsonResponse[]> {
  return Promise.all(Array.from({ length: count }, () => send()));
}

/**
 * The budget's refusal: 429 VER_0050 with `Retry-After` (and `retry_after`) in seconds. On a
 * stopped clock the next request is half a second away (120 a minute), so 1.
 */
export function expectOverBudget(res: JsonResponse, retryAfter = 1): void {
  expectProblem(res, 429, 'VER_0050');
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.body).toMatchObject({ retry_after: retryAfter, detail: `at most ${REQUEST_BUDGET} requests per minute; try again in ${retryAfter} s` });
}

/** Exactly the budget of `responses` was answered by the endpoint (never with a 5xx); every other one is the refusal. */
export function expectCutOffAtBudget(responses: JsonResponse[]): void {
  const answered = responses.filter((r) => r.status !== 429);
  expect(answered).toHaveLength(REQUEST_BUDGET);
  expect(answered.filter((r) => r.status >= 500)).toEqual([]);
  const refused = responses.filter((r) => r.status === 429);
  expect(refused).toHaveLength(responses.length - REQUEST_BUDGET);
  for (const res of refused) expectOverBudget(res);
}

/**
 * For each endpoint, the two behaviours every budgeted endpoint has: a flood from one `who`
 * (caller, admin) is cut off at the budget, and another `who` of the same tenant is not held back.
 */
export function describeBudgetedEndpoints(endpoints: BudgetedEndpoint[], who: string): void {
  describe.each(endpoints)('REQUEST_RATE_LIMIT on $operation', ({ what, caller, okStatus }) => {
    it(`cuts a flood of ${FLOOD} ${what} from one ${who} off after ${REQUEST_BUDGET} with 429 VER_0050 and Retry-After`, async () => {
      const send = await caller(uniqueTenant('flood'));
      expectCutOffAtBudget(await flood(FLOOD, send));
    });

    it(`does not hold back another ${who} of the same tenant`, async () => {
      const tenant = uniqueTenant('flood');
      const [flooder, other] = [await caller(tenant), await caller(tenant)];
      await flood(FLOOD, flooder);
      expectOverBudget(await flooder());
      expect((await other()).status).toBe(okStatus);
    });
  });
}

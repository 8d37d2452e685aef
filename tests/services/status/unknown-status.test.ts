import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertExchange } from '../../../shared/exchanges/exchange-repository.ts';
import { createAnnouncedEnrollment, enrollmentRow } from '../../helpers/announced-enrollment.ts';
import { request } from '../../helpers/http.ts';
import { eventually, withListenersDown } from '../../helpers/listener-outage.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startInstances, type Instances } from '../../helpers/instances.ts';
import type { TestServer } from '../../helpers/test-server.ts';

// Two instances, one database: an id polled on one may be created through the other.
let cluster: Instances;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  cluster = await startInstances(2);
  [one, two] = cluster.servers as [TestServer, TestServer];
});
afterAll(() => cluster?.close());

const poll = (server: TestServer, statusId: string) => request(`${server.url}/verification-srv/verificationstatus/${statusId}`);

async function reads(server: TestServer, result: 'hit' | 'miss' | 'bypass' | 'unknown'): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith(`verification_status_cache_reads_total{result="${result}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('polls of an unknown status id', () => {
  it('are answered 404 from the negative cache after the first lookup, without a query each', async () => {
    const id = randomUUID();
    const [misses, unknowns] = [await reads(one, 'miss'), await reads(one, 'unknown')];
    for (let i = 0; i < 5; i++) expectProblem(await poll(one, id), 404, 'VER_0030');
    expect(await reads(one, 'miss')).toBe(misses + 1);
    expect(await reads(one, 'unknown')).toBe(unknowns + 4);
  });

  it('find the status once it is created on the same instance, at once', async () => {
    const id = randomUUID();
    expectProblem(await poll(one, id), 404, 'VER_0030');
    expectProblem(await poll(one, id), 404, 'VER_0030');
    await createAnnouncedEnrollment(one.deps.db, id, one.clock.now());
    const res = await poll(one, id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'INITIATED' });
  });

  it('find the status once it is created through another instance, at once', async () => {
    const id = randomUUID();
    const unknowns = await reads(one, 'unknown');
    expectProblem(await poll(one, id), 404, 'VER_0030');
    expectProblem(await poll(one, id), 404, 'VER_0030');
    expect(await reads(one, 'unknown')).toBe(unknowns + 1);
    await createAnnouncedEnrollment(two.deps.db, id, two.clock.now());
    const res = await poll(one, id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'INITIATED' });
  });

  it('look the id up again once the TTL (5 s) has passed', async () => {
    const id = randomUUID();
    expectProblem(await poll(one, id), 404, 'VER_0030');
    const misses = await reads(one, 'miss');
    one.clock.advance(5_001);
    try {
      expectProblem(await poll(one, id), 404, 'VER_0030');
      expect(await reads(one, 'miss')).toBe(misses + 1);
    } finally {
      one.clock.advance(-5_001);
    }
  });

  it('find, at the latest after the TTL, a status whose creation was never announced', async () => {
    // Every creation announces itself; the TTL bounds the damage of one that would not.
    const id = randomUUID();
    expectProblem(await poll(one, id), 404, 'VER_0030');
    await createAnnouncedEnrollment(two.deps.db, randomUUID(), two.clock.now());
    await insertExchange(two.deps.db, enrollmentRow(id, two.clock.now()));
    one.clock.advance(5_001);
    try {
      expect((await poll(one, id)).status).toBe(200);
    } finally {
      one.clock.advance(-5_001);
    }
  });

  it('are not cached while the listener is down, so a creation meanwhile is found', async () => {
    const id = randomUUID();
    await withListenersDown(cluster.database.name, async () => {
      await eventually(() => one.deps.statusHub.state === 'down', 5_000, 'hub down');
      const [bypassed, unknowns] = [await reads(one, 'bypass'), await reads(one, 'unknown')];
      expectProblem(await poll(one, id), 404, 'VER_0030');
      expectProblem(await poll(one, id), 404, 'VER_0030');
      expect(await reads(one, 'bypass')).toBe(bypassed + 2);
      expect(await reads(one, 'unknown')).toBe(unknowns);
      await createAnnouncedEnrollment(two.deps.db, id, two.clock.now());
      expect((await poll(one, id)).status).toBe(200);
    });
    await eventually(() => one.deps.statusHub.state === 'live' && two.deps.statusHub.state === 'live', 10_000, 'hubs live again');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VersionedStatus } from '../../../shared/status/status-document.ts';
import { request } from '../../helpers/http.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { initiate, scan } from '../../helpers/enrollment-driver.ts';
import { eventually, withListenersDown } from '../../helpers/listener-outage.ts';

let database: ScratchDatabase;
let server: TestServer;
beforeAll(async () => {
  database = await createScratchDatabase();
  server = await startTestServer({ databaseUrl: database.url });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function cacheReads(result: 'hit' | 'miss' | 'bypass'): Promise<number> {
  const res = await request<string>(`${server.url}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith(`verification_status_cache_reads_total{result="${result}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('StatusHub', () => {
  it('answers repeated reads of a status from its cache', async () => {
    const hub = server.deps.statusHub;
    const e = await initiate(server);
    await hub.read(e.statusId);
    const hits = await cacheReads('hit');
    for (let i = 0; i < 5; i++) expect((await hub.read(e.statusId)).document.status).toBe('INITIATED');
    expect(await cacheReads('hit')).toBe(hits + 5);
  });

  it('reads the database, not its cache, while the listener is down', async () => {
    const hub = server.deps.statusHub;
    const e = await initiate(server);
    await hub.read(e.statusId);
    await withListenersDown(database.name, async () => {
      await eventually(() => hub.state === 'down', 5_000, 'hub down');
      const bypassed = await cacheReads('bypass');
      await scan(server.url, e);
      expect((await hub.read(e.statusId)).document.status).toBe('SCANNED');
      expect(await cacheReads('bypass')).toBe(bypassed + 1);
    });
    await eventually(() => hub.state === 'live', 10_000, 'hub live again');
  });

  it('hands watchers the status they missed while the listener was down, once it is back', async () => {
    const hub = server.deps.statusHub;
    const e = await initiate(server);
    const seen: VersionedStatus[] = [];
    const unwatch = hub.watch(e.statusId, (status) => seen.push(status));
    await withListenersDown(database.name, async () => {
      await eventually(() => hub.state === 'down', 5_000, 'hub down');
      await scan(server.url, e);
    });
    await eventually(() => seen.some((s) => s.document.status === 'SCANNED'), 10_000, 'resync delivered');
    unwatch();
  });

  it('does not serve a cached live status past its lifetime, but expires it', async () => {
    const hub = server.deps.statusHub;
    const e = await initiate(server);
    await hub.read(e.statusId);
    server.clock.advance(11 * 60 * 1000);
    try {
      expect((await hub.read(e.statusId)).document.status).toBe('EXPIRED');
    } finally {
      server.clock.advance(-11 * 60 * 1000);
    }
  });
});

import { createScratchDatabase, type ScratchDatabase } from './scratch-database.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.ts';

/** Several instances of the whole service on one scratch database: what a load balancer sees. */
export interface Instances {
  readonly database: ScratchDatabase;
  readonly servers: TestServer[];
  /** Stops every instance, then drops the database. */
  close(): Promise<void>;
}

/**
 * Starts `count` instances on one new scratch database.
 *
 * @example
 * ```ts
 * let cluster: Instances; let one: TestServer; let two: TestServer;
 * beforeAll(async () => { cluster = await startInstances(2); [one, two] = cluster.servers as [TestServer, TestServer]; });
 * afterAll(() => cluster?.close());
 * ```
 */
export async function startInstances(count: number, options: Omit<TestServerOptions, 'databaseUrl'> = {}): Promise<Instances> {
  const database = await createScratchDatabase();
  const servers: TestServer[] = [];
  const close = async () => {
    for (const server of servers) await server.close();
    await database.drop();
  };
  try {
    for (let i = 0; i < count; i++) servers.push(await startTestServer({ ...options, databaseUrl: database.url }));
  } catch (err) {
    await close();
    throw err;
  }
  return { database, servers, close };
}

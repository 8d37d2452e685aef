import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../shared/auth/issue-token.ts';
import { request } from '../helpers/http.ts';
import { expectProblem } from '../helpers/problem.ts';
import { childEnv, freePort, startProcess, TSX, type RunningProcess } from '../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-database.ts';
import { TEST_JWT_SECRET, TEST_SECRET_KEY } from '../helpers/test-server.ts';

interface EntryPoint {
  service: string;
  entry: string;
  portVariable: 'CONFIG_PORT' | 'ACTIONS_PORT' | 'STATUS_PORT';
  /** A request only this service answers, and what it answers. */
  own: { path: string; status: number; code?: string };
  /** A path of another service, which this process must not serve. */
  foreign: string;
  /** Whether the process serves the demo pages (DEMO is on outside production). */
  demo: boolean;
}

const ENTRY_POINTS: EntryPoint[] = [
  {
    service: 'config',
    entry: 'services/config/main.ts',
    portVariable: 'CONFIG_PORT',
    own: { path: '/verification-srv/config/list', status: 200 },
    foreign: '/verification-actions-srv/devices',
    demo: false,
  },
  {
    service: 'actions',
    entry: 'services/actions/main.ts',
    portVariable: 'ACTIONS_PORT',
    own: { path: '/verification-actions-srv/devices', status: 200 },
    foreign: '/verification-srv/config/list',
    demo: true,
  },
  {
    service: 'status',
    entry: 'services/status/main.ts',
    portVariable: 'STATUS_PORT',
    own: { path: `/verification-srv/verificationstatus/${randomUUID()}`, status: 404, code: 'VER_0030' },
    foreign: '/verification-srv/config/list',
    demo: false,
  },
];

const START_TIMEOUT_MS = 60_000;

let scratch: ScratchDatabase;
let token: string;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  token = await issueToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'alice' });
});
afterAll(() => scratch?.drop());

describe.each(ENTRY_POINTS)('$entry on its own', ({ entry, portVariable, own, foreign, demo }) => {
  let proc: RunningProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = startProcess(
      TSX,
      [entry],
      childEnv({
        [portVariable]: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: scratch.url,
        MIGRATE_ON_START: 'true',
        JWT_SECRET: TEST_JWT_SECRET,
        SECRET_KEY: TEST_SECRET_KEY,
      }),
    );
    await proc.waitForOutput(/listening on/, START_TIMEOUT_MS);
  }, START_TIMEOUT_MS + 10_000);
  afterAll(() => proc?.kill());

  it(`listens on ${portVariable} and is ready`, async () => {
    expect((await request(`${url}/readyz`)).status).toBe(200);
  });

  it('serves its own routes', async () => {
    const res = await request(`${url}${own.path}`, { token });
    if (own.code) expectProblem(res, own.status, own.code);
    else expect(res.status).toBe(own.status);
  });

  it("does not serve another service's routes", async () => {
    const res = await request(`${url}${foreign}`, { token });
    expectProblem(res, 404, 'VER_0005');
  });

  it(demo ? 'serves the demo pages' : 'does not serve the demo pages (the actions process does)', async () => {
    const res = await request(`${url}/demo/login`);
    if (demo) expect(res.status).toBe(200);
    else expectProblem(res, 404, 'VER_0005');
  });
});

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { childEnv, freePort, linesOf, runNpmScript, runToExit, startProcess, TSX, type RunningProcess } from '../helpers/processes.ts';
import { methodList } from '../helpers/method-list.ts';

// `npm start` on a fresh clone: no DATABASE_URL, no secrets. One process is started for the
// whole file and the last test stops it, so the tests run in order.

const START_TIMEOUT_MS = 90_000;

let dataDir: string;
let url: string;
let server: RunningProcess;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'verification-embedded-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = startProcess(TSX, ['services/main.ts'], childEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }));
  await server.waitForOutput(/listening on/, START_TIMEOUT_MS);
}, START_TIMEOUT_MS + 10_000);
afterAll(async () => {
  await server?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A token exactly as the README says to get one: the last line `npm run token` prints. */
async function tokenFor(...args: string[]): Promise<string> {
  const result = await runNpmScript('token', args, childEnv({}), 30_000);
  expect(result.code).toBe(0);
  return linesOf(result.stdout).at(-1)!;
}

describe('npm start without DATABASE_URL (the embedded default)', () => {
  it('says in its log that it runs on the embedded PostgreSQL', () => {
    expect(server.stdout()).toMatch(/embedded PostgreSQL \(PGlite\)/);
  });

  it('warns loudly about every secret that fell back to a development default', () => {
    const warnings = linesOf(server.stdout()).filter((line) => line.includes('DEVELOPMENT DEFAULT'));
    expect(warnings.join('\n')).toContain('JWT_SECRET');
    expect(warnings.join('\n')).toContain('SECRET_KEY');
  });

  it('prints the URL it listens on and how to get a token', () => {
    expect(server.stdout()).toContain(`listening on ${url}`);
    expect(server.stdout()).toContain('npm run token -- --sub alice');
  });

  it('is ready: database reachable and migrations applied', async () => {
    const res = await request(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready' });
  });

  it('serves the config list to a token from npm run token', async () => {
    const res = await request(`${url}/verification-srv/config/list`, { token: await tokenFor('--sub', 'alice') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(methodList());
  });

  it('stores an admin change and serves it back', async () => {
    const token = await tokenFor('--sub', 'root', '--tenant', 'acme', '--scope', 'verification:admin');
    const put = await request(`${url}/verification-srv/config/totp`, { method: 'PUT', token, body: { settings: { digits: 8 } } });
    expect(put.status).toBe(200);
    const res = await request<{ settings: { digits: number } }>(`${url}/verification-srv/config/totp`, { token });
    expect(res.body.settings.digits).toBe(8);
  });

  it('refuses a second process on the same data folder, saying it is in use', async () => {
    const port = await freePort();
    const second = await runToExit(TSX, ['services/main.ts'], childEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }), 60_000);
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stdout + second.stderr).toMatch(/already in use/);
    expect((await request(`${url}/readyz`)).status).toBe(200);
  });

  it('stops cleanly on SIGTERM with exit code 0 and releases the data folder', async () => {
    server.signal('SIGTERM');
    const exit = await Promise.race([
      server.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 20 s of SIGTERM')), 20_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('"msg":"stopped"');
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bufferedDestination } from '../../../shared/log/buffered-destination.ts';
import { createLogger } from '../../../shared/log/logger.ts';

const run = promisify(execFile);
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const LOGGER = fileURLToPath(new URL('../../../shared/log/logger.ts', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'buffered-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const linesIn = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('bufferedDestination', () => {
  it('holds a single line back, then writes it within about a second when nothing else comes', async () => {
    const file = join(dir, 'quiet.log');
    const destination = bufferedDestination(file);
    const log = createLogger('info', destination);
    await new Promise((resolve) => destination.once?.('ready', resolve));
    log.info('one quiet line');
    expect(await linesIn(file)).toEqual([]);
    expect(await eventually(async () => (await linesIn(file)).length === 1, 2500)).toBe(true);
    destination.end?.();
  });

  it('writes a batch as soon as it holds 4 KB, without waiting for the timer', async () => {
    const file = join(dir, 'busy.log');
    const destination = bufferedDestination(file);
    const log = createLogger('info', destination);
    await new Promise((resolve) => destination.once?.('ready', resolve));
    for (let i = 0; i < 100; i++) log.info({ i, route: '/verification-srv/config/list', status: 200 }, 'request');
    expect(await eventually(async () => (await linesIn(file)).length >= 20, 500)).toBe(true);
    destination.end?.();
  });

  it('loses no line when the process exits with lines still buffered', async () => {
    const file = join(dir, 'exit.log');
    const script = `import { createLogger } from ${JSON.stringify(LOGGER)};
      import { bufferedDestination } from ${JSON.stringify(LOGGER.replace('logger.ts', 'buffered-destination.ts'))};
      const log = createLogger('info', bufferedDestination(${JSON.stringify(file)}));
      for (let i = 0; i < 3; i++) log.info({ i }, 'before exit');
      setTimeout(() => process.exit(0), 20);`;
    await run(TSX, ['--eval', script], { cwd: dir });
    expect((await linesIn(file)).map((line) => (JSON.parse(line) as { i: number }).i)).toEqual([0, 1, 2]);
  });
});

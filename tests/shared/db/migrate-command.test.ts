import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedMigrations } from '../../../shared/db/migrations.ts';
import { childEnv, linesOf, runNpmScript, type ChildOutput } from '../../helpers/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';

// One database walked through up → down → up by the command an operator runs, so these tests
// run in order and each starts where the previous one left the schema.

let scratch: ScratchDatabase;
let client: pg.Client;
let tablesAfterUp: string[];
beforeAll(async () => {
  scratch = await createScratchDatabase();
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await scratch?.drop();
});

function migrateCommand(...args: string[]): Promise<ChildOutput> {
  return runNpmScript('migrate', args, childEnv({ DATABASE_URL: scratch.url, LOG_LEVEL: 'warn' }), 60_000);
}

/** Tables of the application (the migration runner's bookkeeping table excluded). */
async function appTables(): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'pgmigrations' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

async function appliedMigrations(): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on, id');
  return rows.map((r) => r.name);
}

describe('npm run migrate on an empty PostgreSQL database', () => {
  it('applies every shipped migration and creates the tables', async () => {
    const result = await migrateCommand();
    expect(result.code).toBe(0);
    expect(await appliedMigrations()).toEqual(shippedMigrations());
    tablesAfterUp = await appTables();
    expect(tablesAfterUp).toEqual(expect.arrayContaining(['tenant_methods', 'tenants']));
  });

  it('says there is nothing to do when run again', async () => {
    const result = await migrateCommand('up');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing to do');
  });

  it('rolls back only the newest migration with "down"', async () => {
    const result = await migrateCommand('down');
    expect(result.code).toBe(0);
    expect(await appliedMigrations()).toEqual(shippedMigrations().slice(0, -1));
  });

  it('rolls back everything with "down <count of all>", dropping every table', async () => {
    const result = await migrateCommand('down', String(shippedMigrations().length));
    expect(result.code).toBe(0);
    expect(await appliedMigrations()).toEqual([]);
    expect(await appTables()).toEqual([]);
  });

  it('recreates the same tables with "up" after a full rollback', async () => {
    const result = await migrateCommand('up');
    expect(result.code).toBe(0);
    expect(await appTables()).toEqual(tablesAfterUp);
  });

  it('refuses an unknown direction with a usage line and a non-zero exit', async () => {
    const result = await migrateCommand('sideways');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('usage');
  });
});

describe('npm run migrate on an embedded folder another process holds', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'verification-locked-'));
    // This test process is alive and is not the command: exactly a running `npm start`.
    await writeFile(join(dataDir, 'lock'), String(process.pid));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('exits non-zero with one line saying the folder is in use, not a stack', async () => {
    const result = await runNpmScript('migrate', [], childEnv({ DATA_DIR: dataDir }), 60_000);
    expect(result.code).not.toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`already in use by process ${process.pid}`);
    expect(result.stdout + result.stderr).not.toMatch(/^\s*at /m);
  });
});

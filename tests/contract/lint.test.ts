import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, childEnv, runToExit } from '../helpers/processes.ts';

const REDOCLY = join(PROJECT_ROOT, 'node_modules/.bin/redocly');

/** The API descriptions `npm run lint:api` checks: openapi.yaml, and asyncapi.yaml once it exists. */
const descriptions = ['openapi.yaml', 'asyncapi.yaml'].filter((file) => existsSync(join(PROJECT_ROOT, file)));

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string; location: { pointer?: string }[] }[];
}

describe('redocly lint (recommended rules)', () => {
  it.each(descriptions)('%s has no errors and no warnings', async (file) => {
    const run = await runToExit(REDOCLY, ['lint', '--config', '.redocly.yaml', '--format=json', file], childEnv({}), 120_000);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as LintReport;
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`);
    expect(problems).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    expect(run.code).toBe(0);
  });
});

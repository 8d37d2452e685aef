// npm run bench [-- <filter>]: runs every scenario in bench/scenarios/ (or those whose file name
// contains <filter>) against in-process servers and a scratch PostgreSQL database.
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBenchEnvironment } from './harness/environment.ts';
import { DEFAULT_LOAD } from './harness/measure.ts';
import { scenarioTable, summaryTable } from './harness/report.ts';
import type { Comparison, Scenario } from './harness/scenario.ts';

const SCENARIOS_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url));

async function loadScenarios(filter: string | undefined): Promise<{ name: string; run: Scenario }[]> {
  const files = readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const chosen = files.filter((f) => !filter || basename(f, '.ts').includes(filter));
  return Promise.all(
    chosen.map(async (file) => {
      const module = (await import(pathToFileURL(`${SCENARIOS_DIR}${file}`).href)) as { default?: Scenario };
      if (typeof module.default !== 'function') throw new Error(`bench/scenarios/${file} must default-export a scenario function`);
      return { name: basename(file, '.ts'), run: module.default };
    }),
  );
}

const filter = process.argv[2];
const scenarios = await loadScenarios(filter);
if (scenarios.length === 0) {
  console.error(`no scenario matches "${filter}"`);
  process.exit(2);
}

const figures: { scenario: string; comparison: Comparison }[] = [];
const bench = await createBenchEnvironment();
try {
  for (const scenario of scenarios) {
    console.log(`running ${scenario.name}…`);
    const comparisons = await scenario.run(bench, DEFAULT_LOAD);
    console.log(scenarioTable(scenario.name, comparisons));
    figures.push(...comparisons.map((comparison) => ({ scenario: scenario.name, comparison })));
  }
} finally {
  await bench.close();
}
console.log(summaryTable(figures, DEFAULT_LOAD));
const invalid = figures.some(({ comparison: c }) => c.subject.non2xx + c.baseline.non2xx + c.subject.errors + c.baseline.errors > 0);
process.exit(invalid ? 1 : 0);

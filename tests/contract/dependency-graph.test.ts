import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/processes.ts';

// `npm run lint` checks with madge that no module imports itself through others. This checks the
// coarser rule the code review asked for: the folders of shared/ form layers, so no folder
// depends on a folder that depends back on it (enrollment↔authenticators, enrollment↔events and
// otp→config were such cycles), and nothing in shared/ reaches into services/.

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `shared/<folder>` (or `services/<service>`) a file belongs to. */
function folderOf(file: string): string {
  return relative(PROJECT_ROOT, file).split(sep).slice(0, 2).join('/');
}

/** Folder → the folders its files import from (type imports included). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of [...sourceFiles(join(PROJECT_ROOT, 'shared')), ...sourceFiles(join(PROJECT_ROOT, 'services'))]) {
    const from = folderOf(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), specifier!));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Every group of folders that reach each other (Tarjan's strongly connected components of size > 1). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      group.push(member);
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the folders of shared/', () => {
  const graph = folderGraph();

  it('depend on each other without cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('never import from services/', () => {
    const upward = [...graph].filter(([from]) => from.startsWith('shared/')).flatMap(([from, to]) => [...to].filter((t) => t.startsWith('services/')).map((t) => `${from} → ${t}`));
    expect(upward).toEqual([]);
  });

  it('finds the cycles it is meant to find', () => {
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]))).toEqual([['a', 'b', 'c']]);
  });
});

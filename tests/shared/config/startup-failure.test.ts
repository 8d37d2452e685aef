import { describe, expect, it } from 'vitest';
import { childEnv, linesOf, runToExit, TSX } from '../../helpers/processes.ts';

describe('starting with a bad environment', () => {
  it('exits non-zero with one line on stderr naming PORT', async () => {
    const result = await runToExit(TSX, ['services/main.ts'], childEnv({ PORT: 'abc' }), 30_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bPORT\b/);
    expect(lines[0]).not.toMatch(/^\s*at /);
  });

  it('exits non-zero with one line on stderr naming SECRET_KEY when it has the wrong length', async () => {
    const result = await runToExit(TSX, ['services/config/main.ts'], childEnv({ SECRET_KEY: 'abcd' }), 30_000);
    expect(result.code).not.toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bSECRET_KEY\b/);
  });
});

import { describe, expect, it } from 'vitest';
import { childEnv, linesOf, runToExit, TSX } from '../../helpers/processes.ts';
import { productionEnv } from '../../helpers/production.ts';

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

  it('exits non-zero with one line naming NODE_ENV when it is not production, development or test', async () => {
    const result = await runToExit(TSX, ['services/main.ts'], childEnv({ NODE_ENV: 'staging' }), 30_000);
    expect(result.code).not.toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bNODE_ENV\b/);
  });

  it('refuses production with a guessable JWT_SECRET in one line that does not repeat it', async () => {
    const secret = 'x'.repeat(64);
    const result = await runToExit(TSX, ['services/actions/main.ts'], childEnv(productionEnv({ JWT_SECRET: secret })), 30_000);
    expect(result.code).not.toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bJWT_SECRET\b.*entropy/);
    expect(result.stdout + result.stderr).not.toContain(secret);
  });
});

import { describe, expect, it } from 'vitest';
import { generateCode, generateSecret, matchCode, stepAt } from '../../../shared/otp/index.ts';
import { oathtoolDate, runOathtool } from './helpers.ts';

// A fixed instant: both sides compute the same step no matter how long the test takes.
const AT = Date.UTC(2024, 2, 1, 12, 34, 56);

describe('interoperability with oathtool (OATH Toolkit)', () => {
  it('accepts the SHA1 6-digit code oathtool prints for a new secret', async () => {
    const secret = generateSecret();
    const code = await runOathtool(['--totp=sha1', '-b', secret, '--now', oathtoolDate(AT)]);
    const params = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
    expect(matchCode(secret, code, params, AT, { window: 0 })).toBe(stepAt(AT, 30));
  });

  it('accepts the SHA256 8-digit code oathtool prints for a new secret', async () => {
    const secret = generateSecret();
    const code = await runOathtool(['--totp=sha256', '-d', '8', '-b', secret, '--now', oathtoolDate(AT)]);
    const params = { algorithm: 'SHA256', digits: 8, period: 30 } as const;
    expect(matchCode(secret, code, params, AT, { window: 0 })).toBe(stepAt(AT, 30));
  });

  it('generates the same SHA512 code as oathtool with a 60 s period', async () => {
    const secret = generateSecret();
    const code = await runOathtool(['--totp=sha512', '-s', '60', '-b', secret, '--now', oathtoolDate(AT)]);
    expect(generateCode(secret, { algorithm: 'SHA512', digits: 6, period: 60 }, AT)).toBe(code);
  });
});

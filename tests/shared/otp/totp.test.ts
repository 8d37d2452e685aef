import { describe, expect, it } from 'vitest';
import { generateCode, matchCode, stepAt, type HashAlgorithm, type TotpParams } from '../../../shared/otp/index.ts';
import { asciiToBase32 } from './helpers.ts';

const RFC_KEYS: Record<HashAlgorithm, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};

// RFC 6238 Appendix B: [time in seconds, SHA1, SHA256, SHA512].
const RFC_TABLE: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const RFC_VECTORS = RFC_TABLE.flatMap(([seconds, sha1, sha256, sha512]) =>
  ([['SHA1', sha1], ['SHA256', sha256], ['SHA512', sha512]] as const).map(([algorithm, code]) => ({ algorithm, seconds, code })),
);

const rfcParams = (algorithm: HashAlgorithm): TotpParams => ({ algorithm, digits: 8, period: 30 });

describe('RFC 6238 Appendix B test vectors', () => {
  it.each(RFC_VECTORS)('generates $code for $algorithm at T=$seconds', ({ algorithm, seconds, code }) => {
    expect(generateCode(asciiToBase32(RFC_KEYS[algorithm]), rfcParams(algorithm), seconds * 1000)).toBe(code);
  });

  it.each(RFC_VECTORS)('accepts $code for $algorithm at T=$seconds', ({ algorithm, seconds, code }) => {
    const step = matchCode(asciiToBase32(RFC_KEYS[algorithm]), code, rfcParams(algorithm), seconds * 1000, { window: 0 });
    expect(step).toBe(Math.floor(seconds / 30));
  });
});

const SECRET = asciiToBase32(RFC_KEYS.SHA1);
const PARAMS: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
const NOW = 1_700_000_000_000;
const NOW_STEP = stepAt(NOW, PARAMS.period);
const codeAtOffset = (steps: number): string => generateCode(SECRET, PARAMS, NOW + steps * PARAMS.period * 1000);

describe('stepAt', () => {
  it('counts whole periods since the Unix epoch', () => {
    expect([stepAt(0, 30), stepAt(29_999, 30), stepAt(30_000, 30), stepAt(59_000, 30), stepAt(60_000, 60)]).toEqual([0, 0, 1, 1, 1]);
  });
});

describe('clock drift window', () => {
  it('accepts the current code and returns the current step', () => {
    expect(matchCode(SECRET, codeAtOffset(0), PARAMS, NOW, { window: 0 })).toBe(NOW_STEP);
  });

  it('accepts a code from the previous step with window 1', () => {
    expect(matchCode(SECRET, codeAtOffset(-1), PARAMS, NOW, { window: 1 })).toBe(NOW_STEP - 1);
  });

  it('refuses a code from the previous step with window 0', () => {
    expect(matchCode(SECRET, codeAtOffset(-1), PARAMS, NOW, { window: 0 })).toBeNull();
  });

  it('accepts a code from the next step with window 1', () => {
    expect(matchCode(SECRET, codeAtOffset(1), PARAMS, NOW, { window: 1 })).toBe(NOW_STEP + 1);
  });

  it('refuses a code from the next step with window 0', () => {
    expect(matchCode(SECRET, codeAtOffset(1), PARAMS, NOW, { window: 0 })).toBeNull();
  });

  it('refuses a code two steps old with window 1', () => {
    expect(matchCode(SECRET, codeAtOffset(-2), PARAMS, NOW, { window: 1 })).toBeNull();
  });

  it('refuses a code two steps ahead with window 1', () => {
    expect(matchCode(SECRET, codeAtOffset(2), PARAMS, NOW, { window: 1 })).toBeNull();
  });
});

describe('replay protection', () => {
  it('refuses the same code again once its step is recorded', () => {
    const code = codeAtOffset(0);
    const step = matchCode(SECRET, code, PARAMS, NOW, { window: 1 });
    expect(matchCode(SECRET, code, PARAMS, NOW, { window: 1, afterStep: step })).toBeNull();
  });

  it('refuses a code from a step before the one already used', () => {
    expect(matchCode(SECRET, codeAtOffset(-1), PARAMS, NOW, { window: 1, afterStep: NOW_STEP })).toBeNull();
  });

  it('accepts the next step’s code after the current one was used', () => {
    expect(matchCode(SECRET, codeAtOffset(1), PARAMS, NOW, { window: 1, afterStep: NOW_STEP })).toBe(NOW_STEP + 1);
  });

  it('accepts any step when nothing was used yet (afterStep null)', () => {
    expect(matchCode(SECRET, codeAtOffset(-1), PARAMS, NOW, { window: 1, afterStep: null })).toBe(NOW_STEP - 1);
  });

  describe('when one code is valid at two neighbouring steps', () => {
    // One-digit codes repeat often, so a short search finds two neighbouring steps sharing a code.
    const oneDigit: TotpParams = { ...PARAMS, digits: 1 };
    const at = (step: number): string => generateCode(SECRET, oneDigit, step * 30_000);
    let first = NOW_STEP;
    while (at(first) !== at(first + 1)) first++;
    const code = at(first);
    const nowMs = first * 30_000;

    it('matches the later step', () => {
      expect(matchCode(SECRET, code, oneDigit, nowMs, { window: 1 })).toBe(first + 1);
    });

    it('still accepts the code at the later step after the earlier one was used', () => {
      expect(matchCode(SECRET, code, oneDigit, nowMs, { window: 1, afterStep: first })).toBe(first + 1);
    });

    it('refuses the code once the later step was used', () => {
      expect(matchCode(SECRET, code, oneDigit, nowMs, { window: 1, afterStep: first + 1 })).toBeNull();
    });
  });
});

describe('malformed codes', () => {
  it.each([
    ['an empty code', ''],
    ['too few digits', '12345'],
    ['too many digits', '1234567'],
    ['letters', 'abcdef'],
    ['a leading space', ' 123456'],
    ['full-width digits', '１２３４５６'],
    ['a trailing newline', '12345\n'],
    ['a sign', '-12345'],
  ])('returns null for %s without throwing', (_label, code) => {
    expect(matchCode(SECRET, code, PARAMS, NOW, { window: 1 })).toBeNull();
  });
});

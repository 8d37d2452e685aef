import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalRow, canonicalRowAround, chainHash, type HashedContent } from '../../../shared/audit/audit-hash.ts';
import { canonicalJson, wellFormed } from '../../../shared/audit/canonical-json.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and writes no whitespace (RFC 8785 §3.2.3 example)', () => {
    // The property sorting example of RFC 8785 §3.2.3, whose names differ in code units a
    // locale-aware or code-point sort would order differently.
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('writes numbers and strings as RFC 8785 §3.2.2 does (the serialisation example)', () => {
    const input = { numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001], string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/', literals: [null, true, false] };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('nests objects and arrays canonically', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }], a: {} })).toBe('{"a":{},"b":[{"a":2,"z":1}]}');
  });

  it('refuses what it cannot represent instead of guessing', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => canonicalJson('a\ud800b')).toThrow(TypeError);
    expect(() => canonicalJson({ a: undefined as unknown as null })).toThrow(TypeError);
  });

  it('wellFormed replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(wellFormed('a\ud800b\udc00c\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ud83d\ude00');
  });
});

const ROW: HashedContent = {
  id: '3f0c1a7e-2b4d-4c1e-9a51-6d2f8e9b0c13',
  tenant: 'acme',
  seq: 42,
  at: '2030-01-12T21:04:12.530Z',
  sub: 'alice',
  actor: null,
  event: 'factor.added',
  type: 'TOTP',
  ph_id: '79e52278-80f4-488f-8adc-5ef3d4c4869d',
  status_id: null,
  outcome: 'success',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (é)',
  request_id: 'req-1',
  details: { via: 'profile', changed: ['digits', 'period'] },
};

describe('the audit row hash', () => {
  it('is SHA-256 of prev_hash followed by the JCS form of the row, as an auditor recomputes it', () => {
    const jcs = canonicalJson({ ...ROW });
    expect(canonicalRow(ROW)).toBe(jcs);
    expect(chainHash(GENESIS_HASH, ROW)).toBe(createHash('sha256').update(GENESIS_HASH + jcs, 'utf8').digest('hex'));
  });

  it('cut around seq, puts together to the canonical row (what the database hashes)', () => {
    const { seq, ...content } = ROW;
    const { head, tail } = canonicalRowAround(content);
    expect(`${head}${seq}${tail}`).toBe(canonicalRow(ROW));
  });

  it('changes with any member, the previous hash, and the position', () => {
    const base = chainHash(GENESIS_HASH, ROW);
    expect(chainHash(GENESIS_HASH, { ...ROW, outcome: 'failure' })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...ROW, details: { via: 'app', changed: ['digits', 'period'] } })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...ROW, seq: 43 })).not.toBe(base);
    expect(chainHash('1'.repeat(64), ROW)).not.toBe(base);
  });
});

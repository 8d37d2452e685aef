import { describe, expect, it } from 'vitest';
import { buildOtpauthUri, buildStandardOtpauthUri, parseOtpauthUri, type EnrollmentUriInput } from '../../../shared/otp/index.ts';

const INPUT: EnrollmentUriInput = {
  secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  issuer: 'Acme',
  accountName: 'alice@example.com',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  type: 'totp',
  displayName: 'alice@example.com',
  tenantKey: 'acme',
  logoUrl: 'https://acme.example/logo.png',
  sub: '6f1c1b0e-4a7f-4e8e-9a57-2f3e7c1d9b10',
  clientId: 'profile-ui',
  baseUrl: 'https://verify.acme.example',
  exchangeId: '3d1f6a52-8c0b-4b7e-b3f6-0c2a5e9d7f41',
};

describe('buildOtpauthUri', () => {
  it('builds the exact URI of the design, parameters in order', () => {
    expect(buildOtpauthUri(INPUT)).toBe(
      'otpauth://totp/Acme:alice%40example.com' +
        '?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA1&digits=6&period=30' +
        '&t=totp&d=alice%40example.com&tk=acme&l=https%3A%2F%2Facme.example%2Flogo.png' +
        '&sub=6f1c1b0e-4a7f-4e8e-9a57-2f3e7c1d9b10&cid=profile-ui&burl=https%3A%2F%2Fverify.acme.example' +
        '&eid=3d1f6a52-8c0b-4b7e-b3f6-0c2a5e9d7f41',
    );
  });

  it('writes non-default algorithm, digits and period', () => {
    const { params } = parseOtpauthUri(buildOtpauthUri({ ...INPUT, algorithm: 'SHA512', digits: 8, period: 60 }));
    expect([params.algorithm, params.digits, params.period]).toEqual(['SHA512', '8', '60']);
  });

  it('encodes spaces in the label as %20, never +, and keeps the : separator literal', () => {
    const uri = buildOtpauthUri({ ...INPUT, issuer: 'Acme Corp', accountName: 'Alice Smith' });
    expect(uri.startsWith('otpauth://totp/Acme%20Corp:Alice%20Smith?')).toBe(true);
    expect(uri).not.toContain('+');
  });

  it('round-trips a label and values with spaces, &, =, #, + and unicode', () => {
    const awkward = { issuer: 'Müller & Söhne = #1', accountName: 'zoë+test@例え.jp', displayName: 'Zoë & Co # = 1', tenantKey: 't&k=v#x' };
    const parsed = parseOtpauthUri(buildOtpauthUri({ ...INPUT, ...awkward }));
    expect(parsed.label).toBe(`${awkward.issuer}:${awkward.accountName}`);
    expect(parsed.params).toMatchObject({ issuer: awkward.issuer, d: awkward.displayName, tk: awkward.tenantKey });
  });

  it('leaves every reserved character of a value percent-encoded', () => {
    const uri = buildOtpauthUri({ ...INPUT, displayName: 'a&b=c#d?e/f g' });
    expect(uri).toContain('&d=a%26b%3Dc%23d%3Fe%2Ff%20g&');
  });

  it('omits l and burl when there is no logo or base URL', () => {
    const { params } = parseOtpauthUri(buildOtpauthUri({ ...INPUT, logoUrl: undefined, baseUrl: undefined }));
    expect(Object.keys(params)).toEqual(['secret', 'issuer', 'algorithm', 'digits', 'period', 't', 'd', 'tk', 'sub', 'cid', 'eid']);
  });

  it('throws when the issuer contains a colon', () => {
    expect(() => buildOtpauthUri({ ...INPUT, issuer: 'Acme:EU' })).toThrow(/issuer must not contain ':'/);
  });

  it('throws when the account name contains a colon', () => {
    expect(() => buildOtpauthUri({ ...INPUT, accountName: 'alice:admin' })).toThrow(/accountName must not contain ':'/);
  });
});

describe('parseOtpauthUri', () => {
  it('returns the decoded label and every parameter', () => {
    expect(parseOtpauthUri('otpauth://totp/Acme%20Corp:alice?secret=ABC&issuer=Acme%20Corp')).toEqual({
      label: 'Acme Corp:alice',
      params: { secret: 'ABC', issuer: 'Acme Corp' },
    });
  });

  it('rejects a URI that is not otpauth://totp/', () => {
    expect(() => parseOtpauthUri('https://totp/Acme:alice?secret=ABC')).toThrow(/not an otpauth URI/);
  });

  it('rejects a URI that repeats a parameter', () => {
    expect(() => parseOtpauthUri('otpauth://totp/Acme:alice?secret=ABC&secret=DEF')).toThrow(/repeats the parameter secret/);
  });
});

describe('buildStandardOtpauthUri', () => {
  const STANDARD = { secret: INPUT.secret, issuer: 'Acme', accountName: 'alice@example.com', algorithm: 'SHA1', digits: 6, period: 30 } as const;

  it('carries only the Key Uri Format parameters, in the order of the extended URI', () => {
    expect(buildStandardOtpauthUri(STANDARD)).toBe(
      'otpauth://totp/Acme:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('is the extended URI without its extras', () => {
    const extended = parseOtpauthUri(buildOtpauthUri({ ...INPUT, issuer: 'Acme Corp' }));
    const standard = parseOtpauthUri(buildStandardOtpauthUri({ ...STANDARD, issuer: 'Acme Corp' }));
    expect(standard.label).toBe(extended.label);
    const { secret, issuer, algorithm, digits, period } = extended.params;
    expect(standard.params).toEqual({ secret, issuer, algorithm, digits, period });
  });

  it.each(['Smith & Wesson', 'A&B=C', 'C++ Guild', '100% Acme'])(
    'keeps an issuer with a character decode-twice parsers misread (%s) in the label only',
    (issuer) => {
      const uri = buildStandardOtpauthUri({ ...STANDARD, issuer });
      const { label, params } = parseOtpauthUri(uri);
      expect(label).toBe(`${issuer}:alice@example.com`);
      expect(Object.keys(params)).toEqual(['secret', 'algorithm', 'digits', 'period']);
    },
  );

  it('keeps spaces and unicode in the issuer parameter, encoded as %20 and UTF-8', () => {
    const uri = buildStandardOtpauthUri({ ...STANDARD, issuer: 'Müller Söhne' });
    expect(uri).toContain('&issuer=M%C3%BCller%20S%C3%B6hne&');
    expect(uri).not.toContain('+');
  });

  it.each([':', '?', '#'])('throws when the account name contains %s, which ends the label for decode-first parsers', (c) => {
    expect(() => buildStandardOtpauthUri({ ...STANDARD, accountName: `alice${c}x` })).toThrow(`accountName must not contain '${c}'`);
  });
});

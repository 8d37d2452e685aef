import { describe, expect, it } from 'vitest';
import { resolveRelyingParty, type RelyingPartyContext } from '../../../shared/webauthn/relying-party.ts';
import { relyingPartySettingsFields, relyingPartySettingsSchema } from '../../../shared/webauthn/relying-party-settings.ts';
import { z } from 'zod';

function issues(input: unknown): string[] {
  const parsed = relyingPartySettingsSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('relying-party settings', () => {
  it.each(['example.com', 'login.example.co.uk', 'localhost', 'xn--bcher-kva.example', 'EXAMPLE.com'])('accept rp_id %s', (rpId) => {
    expect(issues({ rp_id: rpId })).toEqual([]);
  });

  it('store rp_id in lower case', () => {
    expect(relyingPartySettingsSchema.parse({ rp_id: ' Example.COM ' }).rp_id).toBe('example.com');
  });

  it.each(['https://example.com', 'example.com:443', 'example.com/login', '127.0.0.1', '[::1]', '::1', 'com', '-bad.example.com', 'a..example.com', '', '10.0.0.300'])(
    'refuse rp_id %j',
    (rpId) => {
      expect(issues({ rp_id: rpId })).not.toEqual([]);
    },
  );

  it('accept https origins and http only on localhost, stored as bare origins', () => {
    const parsed = relyingPartySettingsSchema.parse({
      rp_id: 'example.com',
      origins: ['https://example.com/', 'https://login.example.com:443', 'https://app.example.com:8443'],
    });
    expect(parsed.origins).toEqual(['https://example.com', 'https://login.example.com', 'https://app.example.com:8443']);
    expect(relyingPartySettingsSchema.parse({ origins: ['http://localhost:8080'] }).origins).toEqual(['http://localhost:8080']);
  });

  it('list each origin once', () => {
    expect(relyingPartySettingsSchema.parse({ origins: ['https://example.com', 'https://example.com/'] }).origins).toEqual(['https://example.com']);
  });

  it.each([
    ['plain http', 'http://example.com'],
    ['a path', 'https://example.com/login'],
    ['a query', 'https://example.com/?a=1'],
    ['a fragment', 'https://example.com/#x'],
    ['credentials', 'https://user:pass@example.com'],
    ['an IP address', 'https://127.0.0.1'],
    ['http on an IP address', 'http://127.0.0.1:8080'],
    ['another scheme', 'ftp://example.com'],
    ['no scheme', 'example.com'],
  ])('refuse an origin with %s', (_case, origin) => {
    expect(issues({ origins: [origin] })).toEqual([expect.stringMatching(/^origins\.0: /)]);
  });

  it('refuse an empty list and more than 10 origins', () => {
    expect(issues({ origins: [] })).not.toEqual([]);
    const many = Array.from({ length: 11 }, (_, i) => `https://a${i}.example.com`);
    expect(issues({ rp_id: 'example.com', origins: many })).not.toEqual([]);
  });

  it('refuse an origin that is not on the rp_id, naming it', () => {
    expect(issues({ rp_id: 'example.com', origins: ['https://login.example.com', 'https://example.org'] })).toEqual([
      'origins.1: must be on rp_id "example.com" (that host or a subdomain of it)',
    ]);
    expect(issues({ rp_id: 'login.example.com', origins: ['https://example.com'] })).not.toEqual([]);
  });

  it('need an rp_id when the origins have different hosts', () => {
    expect(issues({ origins: ['https://a.example.com', 'https://b.example.com'] })).toEqual(['rp_id: is required when the origins have different hosts']);
  });

  it('refuse an rp_name with control characters or over 64 characters', () => {
    expect(issues({ rp_name: 'Acme\nInc' })).not.toEqual([]);
    expect(issues({ rp_name: 'x'.repeat(65) })).not.toEqual([]);
    expect(relyingPartySettingsSchema.parse({ rp_name: '  Acme Inc.  ' }).rp_name).toBe('Acme Inc.');
  });

  it('accept null to go back to the defaults, and refuse unknown members', () => {
    expect(issues({ rp_id: null, rp_name: null, origins: null })).toEqual([]);
    expect(issues({ rp: 'example.com' })).not.toEqual([]);
  });

  it('offer the fields for a method schema of their own', () => {
    const methodSettings = z.object({ ...relyingPartySettingsFields, max_devices: z.number() }).strict();
    expect(methodSettings.parse({ rp_id: 'example.com', max_devices: 3 })).toEqual({ rp_id: 'example.com', max_devices: 3 });
  });
});

const base: RelyingPartyContext = { settings: {}, publicBaseUrl: undefined, production: false, requestOrigin: undefined, defaultName: 'acme' };
const resolve = (context: Partial<RelyingPartyContext>) => resolveRelyingParty({ ...base, ...context });

describe('resolveRelyingParty', () => {
  it("uses the tenant's origins and rp_id first", () => {
    const settings = { rp_id: 'example.com', rp_name: 'Acme Inc.', origins: ['https://login.example.com'] };
    expect(resolve({ settings, publicBaseUrl: 'https://verify.other.com', production: true, requestOrigin: 'https://login.example.com' })).toEqual({
      id: 'example.com',
      name: 'Acme Inc.',
      origins: ['https://login.example.com'],
    });
  });

  it("takes the RP ID from the origins' host when the tenant set none, and the name from the default", () => {
    expect(resolve({ settings: { origins: ['https://login.example.com'] } })).toEqual({ id: 'login.example.com', name: 'acme', origins: ['https://login.example.com'] });
  });

  it('defaults to PUBLIC_BASE_URL, its origin only', () => {
    expect(resolve({ publicBaseUrl: 'https://verify.example.com/base/', production: true })).toEqual({
      id: 'verify.example.com',
      name: 'acme',
      origins: ['https://verify.example.com'],
    });
  });

  it('refuses a request from an origin that is not listed', () => {
    expect(() => resolve({ publicBaseUrl: 'https://verify.example.com', requestOrigin: 'https://evil.example.net' })).toThrow(
      expect.objectContaining({ code: 'VER_0081' }),
    );
    expect(() => resolve({ settings: { origins: ['https://login.example.com'] }, requestOrigin: 'null' })).toThrow(expect.objectContaining({ code: 'VER_0081' }));
  });

  it('outside production, with nothing configured, serves the localhost page that asks (the demo)', () => {
    expect(resolve({ requestOrigin: 'http://localhost:8080' })).toEqual({ id: 'localhost', name: 'acme', origins: ['http://localhost:8080'] });
  });

  it.each(['http://127.0.0.1:8080', 'https://evil.example.net', 'http://localhost.evil.example.net', 'http://localhost:8080/path'])(
    'outside production, with nothing configured, refuses a page on %s',
    (requestOrigin) => {
      expect(() => resolve({ requestOrigin })).toThrow(expect.objectContaining({ code: 'VER_0081' }));
    },
  );

  it('outside production, with nothing configured and no Origin header, says what to configure', () => {
    expect(() => resolve({})).toThrow(expect.objectContaining({ code: 'VER_0088' }));
  });

  it('in production never defaults to the requesting page', () => {
    expect(() => resolve({ production: true, requestOrigin: 'http://localhost:8080' })).toThrow(expect.objectContaining({ code: 'VER_0088' }));
  });

  it('refuses a PUBLIC_BASE_URL that cannot host WebAuthn (plain http, an IP address)', () => {
    expect(() => resolve({ publicBaseUrl: 'http://verify.example.com' })).toThrow(expect.objectContaining({ code: 'VER_0088' }));
    expect(() => resolve({ publicBaseUrl: 'https://10.0.0.5:8443' })).toThrow(expect.objectContaining({ code: 'VER_0088' }));
  });

  it('refuses an rp_id that does not cover PUBLIC_BASE_URL', () => {
    expect(() => resolve({ settings: { rp_id: 'example.org' }, publicBaseUrl: 'https://verify.example.com' })).toThrow(
      expect.objectContaining({ code: 'VER_0088' }),
    );
  });
});

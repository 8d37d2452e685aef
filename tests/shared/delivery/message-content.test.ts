import { describe, expect, it } from 'vitest';
import { composeEmail } from '../../../shared/delivery/compose-email.ts';
import { composeSms } from '../../../shared/delivery/compose-sms.ts';
import { gsm7Length, toGsm7 } from '../../../shared/delivery/gsm7.ts';
import type { MessageFacts } from '../../../shared/delivery/message.ts';

function facts(overrides: Partial<MessageFacts> = {}): MessageFacts {
  return { channel: 'sms', to: '+4915123456789', tenantName: 'Acme', code: '482913', lifetimeSeconds: 600, purpose: 'sign-in', ...overrides };
}

describe('gsm7Length', () => {
  it.each<[string, number | undefined]>([
    ['', 0],
    ['Code 123456', 11],
    ['Prix: 5€', 9],
    ['[x]', 5],
    ['Ça coûte', undefined],
    ['Çà et là, déjà', 14],
    ['Łódź', undefined],
    ['emoji 🔑', undefined],
    ['Δ and Ω', 7],
    ['line\nbreak', 10],
  ])('%j takes %s septets', (text, septets) => {
    expect(gsm7Length(text)).toBe(septets);
  });
});

describe('toGsm7', () => {
  it.each([
    ['Acme', 'Acme'],
    ['Łódź Café 🚲', 'Lodz Café'],
    ['Zürich Über', 'Zürich Über'],
    ['Crème brûlée', 'Crème brulée'],
    ['Šťastná Čeština', 'Stastna Cestina'],
    ['“Quoted” – dash…', '"Quoted" - dash...'],
    ['東京銀行', ''],
    ['Straße\t GmbH', 'Straße GmbH'],
  ])('%j → %j', (name, out) => {
    const converted = toGsm7(name);
    expect(converted).toBe(out);
    expect(gsm7Length(converted)).toBeDefined();
  });
});

describe('SMS text', () => {
  it('carries the code, the tenant and the lifetime', () => {
    const sms = composeSms(facts(), undefined);
    expect(sms.text).toBe('482913 is your Acme verification code. It expires in 10 minutes. Do not share it.');
    expect(sms.code).toBe('482913');
  });

  it('ends with the origin-bound line @host #code when PUBLIC_BASE_URL is set', () => {
    const sms = composeSms(facts(), 'https://login.example.com:8443/base');
    const lines = sms.text.split('\n');
    expect(lines.at(-1)).toBe('@login.example.com #482913');
    expect(lines.at(-2)).toBe('');
  });

  it.each([
    ['a plain name', 'Acme'],
    ['a long name', 'The Extraordinarily Long Name Of A Very Large Multinational Holding Company AG'],
    ['non-GSM characters', 'Łódź 東京 Ünïcödé Ŝervices 🚀🚀🚀'],
    ['only non-GSM characters', '東京銀行株式会社'],
    ['extension characters', '{[Acme|Corp]} ~€~ ^^^ {[Acme|Corp]} ~€~ ^^^'],
  ])('fits one GSM-7 segment for %s, with a 10-digit code and a long host', (_, tenantName) => {
    const sms = composeSms(facts({ tenantName, code: '1234567890' }), 'https://verification.login.some-long-company-domain.example.com');
    const septets = gsm7Length(sms.text);
    expect(septets).toBeDefined();
    expect(septets).toBeLessThanOrEqual(160);
    expect(sms.text).toContain('1234567890 is your');
    expect(sms.text.split('\n').at(-1)).toBe('@verification.login.some-long-company-domain.example.com #1234567890');
  });

  it('keeps the code even when a host name leaves no room for anything else', () => {
    const sms = composeSms(facts(), `https://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(30)}.example`);
    expect(gsm7Length(sms.text)).toBeLessThanOrEqual(160);
    expect(sms.text).toBe('482913 is your verification code.');
  });

  it('drops a tenant name made only of characters GSM-7 lacks', () => {
    expect(composeSms(facts({ tenantName: '東京銀行' }), undefined).text).toBe('482913 is your verification code. It expires in 10 minutes. Do not share it.');
  });
});

describe('email content', () => {
  it('has a subject, a text and an HTML body with the code, tenant, lifetime and a "not you?" line', () => {
    const email = composeEmail(facts({ channel: 'email', to: 'alice@example.com', lifetimeSeconds: 300, purpose: 'enrollment' }));
    expect(email.subject).toBe('482913 is your Acme verification code');
    for (const body of [email.text, email.html]) {
      expect(body).toContain('482913');
      expect(body).toContain('Acme');
      expect(body).toContain('5 minutes');
      expect(body).toContain('Not you?');
    }
    expect(email.text).toContain('second factor');
  });

  it('escapes everything in the HTML body', () => {
    const email = composeEmail(facts({ channel: 'email', tenantName: '<script>alert("x")</script> & Co\'s' }));
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
  });

  it('keeps line breaks out of the subject (no header injection through a tenant name)', () => {
    const email = composeEmail(facts({ channel: 'email', tenantName: 'Acme\r\nBcc: victim@example.org' }));
    expect(email.subject).not.toMatch(/[\r\n]/);
  });
});

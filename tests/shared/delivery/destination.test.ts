import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../../shared/delivery/destination/email-address.ts';
import { maskEmail, maskPhoneNumber } from '../../../shared/delivery/destination/mask.ts';
import { normalizePhoneNumber, type PhoneNumberPolicy } from '../../../shared/delivery/destination/phone-number.ts';
import { VerificationError } from '../../../shared/errors/verification-error.ts';

/** The VerificationError `work` throws (fails the test when it throws nothing). */
function refusal(work: () => unknown): VerificationError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(VerificationError);
    return err as VerificationError;
  }
  throw new Error('expected a refusal');
}

describe('normalizePhoneNumber accepts numbers that can receive SMS', () => {
  it.each<[string, PhoneNumberPolicy, string, string, string]>([
    ['015123456789', { defaultCountry: 'DE' }, '+4915123456789', 'DE', 'MOBILE'],
    ['+49 1512 3456789', {}, '+4915123456789', 'DE', 'MOBILE'],
    ['  +49 (1512) 345-6789 ', {}, '+4915123456789', 'DE', 'MOBILE'],
    ['07400 123456', { defaultCountry: 'GB' }, '+447400123456', 'GB', 'MOBILE'],
    ['06 12 34 56 78', { defaultCountry: 'FR' }, '+33612345678', 'FR', 'MOBILE'],
    ['(201) 555-0123', { defaultCountry: 'US' }, '+12015550123', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['+1 416 555 0123', {}, '+14165550123', 'CA', 'FIXED_LINE_OR_MOBILE'],
    ['+91 81234 56789', {}, '+918123456789', 'IN', 'MOBILE'],
    ['+55 11 96123-4567', {}, '+5511961234567', 'BR', 'MOBILE'],
    ['090-1234-5678', { defaultCountry: 'JP' }, '+819012345678', 'JP', 'MOBILE'],
    ['+86 131 2345 6789', {}, '+8613123456789', 'CN', 'MOBILE'],
    ['+41 78 123 45 67', { defaultCountry: 'DE' }, '+41781234567', 'CH', 'MOBILE'],
  ])('%j (%j) → %s', (input, policy, e164, country, type) => {
    expect(normalizePhoneNumber(input, policy)).toEqual({ e164, country, type, masked: maskPhoneNumber(e164) });
  });
});

describe('normalizePhoneNumber refuses, with a stable code', () => {
  it.each<[string, PhoneNumberPolicy, string]>([
    ['', {}, 'NOT_A_NUMBER'],
    ['hello', {}, 'NOT_A_NUMBER'],
    ['015123456789', {}, 'INVALID_COUNTRY'],
    ['+49 1', {}, 'TOO_SHORT'],
    ['+49 1512 3456789 1234567890', {}, 'TOO_LONG'],
    ['+49 32 12345678', {}, 'INVALID'],
    ['+882 3456 7890', {}, 'INVALID'],
    ['+4915123456789 ext. 12', {}, 'EXTENSION'],
    ['+4915123456789\u0000', {}, 'NOT_A_NUMBER'],
    ['+49'.padEnd(80, '1'), {}, 'NOT_A_NUMBER'],
    ['call +4915123456789 please', {}, 'NOT_A_NUMBER'],
  ])('%j as VER_0070 (%s)', (input, policy, reason) => {
    const err = refusal(() => normalizePhoneNumber(input, policy));
    expect(err.code).toBe('VER_0070');
    expect(err.extensions.reason).toBe(reason);
  });

  it.each<[string, string]>([
    ['030 123456', 'FIXED_LINE'],
    ['0121 234 5678', 'FIXED_LINE'],
    ['+1 800 234 5678', 'TOLL_FREE'],
    ['+44 90 1234 5678', 'PREMIUM_RATE'],
  ])('non-mobile %j as VER_0071 (%s)', (input, type) => {
    const err = refusal(() => normalizePhoneNumber(input, { defaultCountry: input.startsWith('0121') ? 'GB' : 'DE' }));
    expect(err.code).toBe('VER_0071');
    expect(err.extensions.number_type).toBe(type);
  });

  it('a number of a country outside allowed_countries as VER_0072', () => {
    const err = refusal(() => normalizePhoneNumber('+447400123456', { allowedCountries: ['DE', 'AT', 'CH'] }));
    expect(err.code).toBe('VER_0072');
    expect(err.extensions.country).toBe('GB');
    expect(normalizePhoneNumber('+41781234567', { allowedCountries: ['DE', 'AT', 'CH'] }).country).toBe('CH');
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    [' Alice.Smith@Example.COM ', 'Alice.Smith@example.com'],
    ['bob+mfa@Sub.Example.co.uk', 'bob+mfa@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['jörg@münchen.de'.replace('jörg', 'joerg'), 'joerg@xn--mnchen-3ya.de'],
    ['x@xn--80ak6aa92e.com', 'x@xn--80ak6aa92e.com'],
  ])('%j → %j', (input, address) => {
    expect(normalizeEmail(input).address).toBe(address);
  });

  it.each([
    ['', 'empty'],
    ['alice', 'no @'],
    ['@example.com', 'no local part'],
    ['alice@', 'no domain'],
    ['alice@localhost', 'single-label domain'],
    ['alice@example', 'single-label domain'],
    ['alice@exa_mple.com', 'underscore in domain'],
    ['alice@-example.com', 'label starting with a hyphen'],
    ['alice@example.123', 'numeric top-level domain'],
    ['alice@[127.0.0.1]', 'address literal'],
    ['al ice@example.com', 'space'],
    ['alice@example.com\r\nBcc: victim@example.org', 'header injection'],
    ['alice\u0000@example.com', 'control character'],
    ['"alice"@example.com', 'quoted local part'],
    ['al..ice@example.com', 'double dot'],
    ['.alice@example.com', 'leading dot'],
    ['a<b>@example.com', 'angle brackets'],
    [`${'a'.repeat(65)}@example.com`, 'local part over 64'],
    [`a@${'b'.repeat(250)}.com`, 'over 254 in all'],
    [`a@${'b'.repeat(64)}.com`, 'label over 63'],
  ])('refuses %j (%s) as VER_0073', (input) => {
    expect(refusal(() => normalizeEmail(input)).code).toBe('VER_0073');
  });
});

describe('masking for display', () => {
  it.each([
    ['+4915123456789', '+49•••••789'],
    ['+447400123456', '+44•••••456'],
    ['+12015550123', '+1•••••123'],
    ['+8613123456789', '+86•••••789'],
  ])('%s → %s', (e164, masked) => {
    expect(maskPhoneNumber(e164)).toBe(masked);
  });

  it.each([
    ['alice@example.com', 'a•••@example.com'],
    ['a@example.com', 'a•••@example.com'],
    ['Bob.Smith@mail.example.org', 'B•••@mail.example.org'],
  ])('%s → %s', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });
});

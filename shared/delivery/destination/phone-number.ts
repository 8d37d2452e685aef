import { parsePhoneNumberWithError, ParseError, type CountryCode } from 'libphonenumber-js/max';
import { VerificationError } from '../../errors/verification-error.ts';
import { hasControlCharacters } from '../../text/control-characters.ts';
import { maskPhoneNumber } from './mask.ts';

/** Longest input looked at; a phone number with formatting is far shorter. */
const MAX_INPUT_CHARS = 64;

/** Number types that can receive an SMS. FIXED_LINE_OR_MOBILE is what some plans (US, CA, CN…) cannot tell apart. */
const SMS_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** How a tenant reads phone numbers (tenant settings `default_country`, `allowed_countries`). */
export interface PhoneNumberPolicy {
  /** ISO 3166-1 alpha-2 country for numbers typed without `+` (national format). */
  defaultCountry?: string;
  /** ISO 3166-1 alpha-2 countries accepted; absent or empty accepts every country. */
  allowedCountries?: readonly string[];
}

export interface NormalizedPhoneNumber {
  /** `+4915123456789` */
  e164: string;
  country: string;
  type: 'MOBILE' | 'FIXED_LINE_OR_MOBILE';
  /** `+49•••••789` */
  masked: string;
}

/** Why a phone number was refused as invalid (the problem's `reason`). */
export type PhoneNumberProblem = 'NOT_A_NUMBER' | 'INVALID_COUNTRY' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH' | 'INVALID' | 'EXTENSION';

function invalid(reason: PhoneNumberProblem, detail: string): VerificationError<'INVALID_PHONE_NUMBER'> {
  return new VerificationError('INVALID_PHONE_NUMBER', detail, { extensions: { reason } });
}

const DETAILS: Record<string, string> = {
  NOT_A_NUMBER: 'phone_number is not a phone number',
  INVALID_COUNTRY: 'phone_number needs a country code (+…), or the tenant a default_country',
  TOO_SHORT: 'phone_number is too short',
  TOO_LONG: 'phone_number is too long',
  INVALID_LENGTH: 'phone_number has a length no number of its country has',
};

/**
 * Normalises a phone number typed by a user to E.164 with libphonenumber's full ("max")
 * metadata, so the number's type is known: only numbers that can receive SMS are accepted
 * (mobile, or fixed-line-or-mobile where the plan cannot tell), and only from the tenant's
 * allowed countries (a defence against SMS pumping to premium ranges abroad).
 *
 * @throws VerificationError `INVALID_PHONE_NUMBER` (with `reason`), `PHONE_NUMBER_NOT_MOBILE`
 * (with `number_type`), or `COUNTRY_NOT_ALLOWED` (with `country`).
 * @example
 * ```ts
 * normalizePhoneNumber('0151 23456789', { defaultCountry: 'DE' }).e164; // '+4915123456789'
 * ```
 */
export function normalizePhoneNumber(input: string, policy: PhoneNumberPolicy = {}): NormalizedPhoneNumber {
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_INPUT_CHARS || hasControlCharacters(text)) {
    throw invalid('NOT_A_NUMBER', DETAILS.NOT_A_NUMBER!);
  }
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(text, { defaultCountry: policy.defaultCountry as CountryCode | undefined, extract: false });
  } catch (err) {
    if (err instanceof ParseError) throw invalid(err.message as PhoneNumberProblem, DETAILS[err.message] ?? 'phone_number is not valid');
    throw err;
  }
  if (parsed.ext) throw invalid('EXTENSION', 'phone_number must not have an extension: SMS cannot reach one');
  if (!parsed.isValid() || !parsed.country) throw invalid('INVALID', 'phone_number is not a valid number of any country');
  const type = parsed.getType();
  if (!type || !SMS_CAPABLE.has(type)) {
    throw new VerificationError('PHONE_NUMBER_NOT_MOBILE', `phone_number is a ${(type ?? 'unknown').toLowerCase().replace(/_/g, ' ')} number; codes are sent by SMS to mobile numbers only`, {
      extensions: { number_type: type ?? 'UNKNOWN' },
    });
  }
  const allowed = policy.allowedCountries ?? [];
  if (allowed.length > 0 && !allowed.includes(parsed.country)) {
    throw new VerificationError('COUNTRY_NOT_ALLOWED', `phone numbers of ${parsed.country} are not accepted here`, { extensions: { country: parsed.country } });
  }
  return { e164: parsed.number, country: parsed.country, type: type as NormalizedPhoneNumber['type'], masked: maskPhoneNumber(parsed.number) };
}

import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { CODE_SETTINGS_DEFAULTS, CODE_SETTINGS_FIELDS } from '../code/code-settings.ts';
import { defineSettings } from '../settings.ts';

/** An ISO 3166-1 alpha-2 country libphonenumber has a numbering plan for (`DE`, `US`). */
const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code in upper case')
  .refine((c) => isSupportedCountry(c), 'is not a country with a known numbering plan');

/** SMS's tenant settings: the code settings plus how phone numbers are read and which are accepted. */
export const smsSettings = defineSettings({
  type: 'SMS',
  documentedAs: 'SmsSettings',
  fields: {
    ...CODE_SETTINGS_FIELDS,
    /** The country of numbers typed without `+` (national format); none requires `+`. */
    default_country: countryCode.nullable(),
    /** Countries whose numbers are accepted (SMS pumping defence); empty accepts every country. */
    allowed_countries: z
      .array(countryCode)
      .max(250)
      .refine((list) => new Set(list).size === list.length, 'must not repeat a country'),
  },
  defaults: { ...CODE_SETTINGS_DEFAULTS, default_country: null, allowed_countries: [] },
});

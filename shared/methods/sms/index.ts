import { z } from 'zod';
import { normalizePhoneNumber } from '../../delivery/destination/phone-number.ts';
import { defineCodeMethod } from '../code/define-code-method.ts';
import { smsSettings } from './settings.ts';

/**
 * SMS (DESIGN §11, seed 003): a mobile number, normalised to E.164 under the tenant's
 * `default_country` and `allowed_countries`, proved by a code sent to it; sign-in by a code
 * sent to the enrolled number.
 */
export const sms = defineCodeMethod({
  type: 'SMS',
  channel: 'sms',
  settings: smsSettings,
  destinationField: 'phone_number',
  destinationSchema: z.string().min(1).max(64),
  normalize: (input, settings) => {
    const number = normalizePhoneNumber(input, { defaultCountry: settings.default_country ?? undefined, allowedCountries: settings.allowed_countries });
    return { address: number.e164, masked: number.masked };
  },
  initiationDocumentedAs: 'SmsInitiation',
});

import { z } from 'zod';
import { hasControlCharacters } from '../text/control-characters.ts';

/**
 * The `issuer` tenant setting of methods enrolled through an otpauth URI (TOTP, PUSH): the label
 * the app shows, or null for the tenant id. No ':' — it separates issuer and account in the
 * URI's label, so an app would misread one inside it.
 */
export const issuerLabelSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^:]+$/, 'must not contain ":" (it separates issuer and account in otpauth URIs)')
  .refine((s) => !hasControlCharacters(s), 'must not contain control characters')
  .nullable();

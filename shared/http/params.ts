import { z } from 'zod';
import { VerificationError } from '../errors/verification-error.ts';
import { hasControlCharacters } from '../text/control-characters.ts';

/** Any RFC 4122 layout, whatever the version: ids from other systems need not be v4. */
export const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');

/** Validates an id taken from a path; a malformed one is a 400, never a lookup. */
export function parseIdParam(value: string | undefined, name: string): string {
  const parsed = uuidSchema.safeParse(value);
  if (!parsed.success) throw new VerificationError('INVALID_ID', `${name} must be a UUID`);
  return parsed.data.toLowerCase();
}

/** A string of 1..max characters without control characters (`multiline` allows \n, \r and \t). */
export function plainText(max: number, { multiline = false } = {}) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s, { allowNewlines: multiline }), 'must not contain control characters');
}

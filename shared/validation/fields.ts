import { z } from 'zod';
import { hasControlCharacters } from '../text/control-characters.ts';

/**
 * Any RFC 4122 layout, whatever the version (ids from other systems need not be v4), in either
 * case; parsed to lower case, so every id is stored, compared and looked up in one form.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuidSchema = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID')
  .transform((id) => id.toLowerCase());

/** A string of 1..max characters without control characters (`multiline` allows \n, \r and \t). */
export function plainText(max: number, { multiline = false } = {}) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s, { allowNewlines: multiline }), 'must not contain control characters');
}

/** A user id (`sub`) as the identity provider issues it. */
export const subSchema = plainText(255);

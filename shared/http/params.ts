import { z } from 'zod';
import { VerificationError } from '../errors/verification-error.ts';

/** Any RFC 4122 layout, whatever the version: ids from other systems need not be v4. */
export const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');

/** Validates an id taken from a path; a malformed one is a 400, never a lookup. */
export function parseIdParam(value: string | undefined, name: string): string {
  const parsed = uuidSchema.safeParse(value);
  if (!parsed.success) throw new VerificationError('INVALID_ID', `${name} must be a UUID`);
  return parsed.data.toLowerCase();
}

// PostgreSQL text cannot hold NUL, and control characters have no business in names or ids:
// refusing them here keeps such input a 400 rather than a database error.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f]/;

/** A string of 1..max characters without control characters (`multiline` allows \n, \r and \t). */
export function plainText(max: number, { multiline = false } = {}) {
  const forbidden = multiline ? CONTROL : CONTROL_OR_NEWLINE;
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !forbidden.test(s), 'must not contain control characters');
}

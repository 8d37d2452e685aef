import { VerificationError } from '../errors/verification-error.ts';
import { UUID_PATTERN } from '../validation/fields.ts';

/**
 * Validates an id taken from a path; a malformed one is a 400, never a lookup. Lower case, as
 * every id. (uuidSchema's rule without zod: this runs on every status poll.)
 */
export function parseIdParam(value: string | undefined, name: string): string {
  if (value === undefined || !UUID_PATTERN.test(value)) throw new VerificationError('INVALID_ID', `${name} must be a UUID`);
  return value.toLowerCase();
}

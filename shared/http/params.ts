import { VerificationError } from '../errors/verification-error.ts';
import { uuidSchema } from '../validation/fields.ts';

/** Validates an id taken from a path; a malformed one is a 400, never a lookup. Lower case, as every id. */
export function parseIdParam(value: string | undefined, name: string): string {
  const parsed = uuidSchema.safeParse(value);
  if (!parsed.success) throw new VerificationError('INVALID_ID', `${name} must be a UUID`);
  return parsed.data;
}

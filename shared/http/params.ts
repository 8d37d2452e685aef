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

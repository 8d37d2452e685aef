import { z } from 'zod';
import { subSchema } from '../../validation/fields.ts';

// BACKUPCODE's request bodies, each documented in openapi.yaml under the name its operation gives.

/** `BackupcodeInitiation`: nothing to choose; a body, if any, is an empty object. */
export const initiationBody = z.object({}).strict();

/**
 * A code as a person types it: letters, digits, spaces and dashes, in any case. Whether it can
 * be a code at all is decided after normalising (normaliseCode), with its own error.
 */
const backupCodeInput = z
  .string()
  .min(10)
  .max(40)
  .regex(/^[A-Za-z0-9 -]+$/, 'must be letters, digits, spaces and dashes');

/** `BackupcodeSignInVerification`: one code, for the caller or the user a service token names. */
export const signInVerificationBody = z.object({ pass_code: backupCodeInput, sub: subSchema.optional() }).strict();

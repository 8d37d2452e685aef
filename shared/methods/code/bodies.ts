import { z } from 'zod';
import { subSchema, uuidSchema } from '../../validation/fields.ts';

// The request bodies SMS and EMAIL share, each documented in openapi.yaml under its name. Only
// the initiation differs (the destination member); the code-method factory builds it.

/** A code as typed: digits only (a tenant sets 4 to 10); letters or spaces are a 400, not a wrong code. */
const oneTimeCodeSchema = z.string().regex(/^[0-9]{4,10}$/, 'must be 4 to 10 digits');

/** `CodeProfileVerification`: the code the user received, typed into the profile UI. */
export const profileVerificationBody = z.object({ exchange_id: uuidSchema, pass_code: oneTimeCodeSchema }).strict();

/** `CodeSignInInitiation`: a code sent to the user's enrolled destination (`ph_id` picks one when there are several). */
export const signInInitiationBody = z.object({ sub: subSchema.optional(), ph_id: uuidSchema.optional() }).strict();

/** `CodeSignInVerification`: the code answering a challenge. */
export const signInVerificationBody = z.object({ exchange_id: uuidSchema, pass_code: oneTimeCodeSchema, sub: subSchema.optional() }).strict();

/** The initiation body of a channel: its destination member, plus what cidaas' profile UI sends. */
export function initiationBody<F extends string>(field: F, destination: z.ZodType<string>) {
  return z
    .object({
      ...({ [field]: destination } as Record<F, z.ZodType<string>>),
      // cidaas' profile UI sends this; accepted for compatibility, not needed here.
      deviceInfo: z.looseObject({}).optional(),
    })
    .strict();
}

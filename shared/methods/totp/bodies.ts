import { z } from 'zod';
import { plainText, subSchema, uuidSchema } from '../../validation/fields.ts';
import { appFields } from '../flows/app-fields.ts';

// TOTP's request bodies, each documented in openapi.yaml under the name its operation gives.

const passCodeSchema = z.string().regex(/^[0-9]{6,8}$/, 'must be 6 to 8 digits');

/** `TotpInitiation`: what the profile UI may send to start an enrollment. */
export const initiationBody = z
  .object({
    client_id: uuidSchema.optional(),
    // cidaas' profile UI sends this; accepted for compatibility, not needed for TOTP.
    deviceInfo: z.looseObject({}).optional(),
  })
  .loose();

/** `TotpProfileVerification`: the first code, typed into the profile UI. */
export const profileVerificationBody = z.object({ exchange_id: uuidSchema, pass_code: passCodeSchema }).strict();

/** `TotpEnroll`: the companion app completes the enrollment it scanned with its first code. */
export const enrollBody = z
  .object({ ...appFields, pass_code: passCodeSchema, public_key: plainText(8192, { multiline: true }).optional() })
  .strict();

/** `TotpSignInInitiation`: a sign-in challenge to answer with a code (cidaas' initiate-then-verify form). */
export const signInInitiationBody = z.object({ sub: subSchema.optional() }).strict();

/**
 * `TotpSignInVerification`: a code, directly (`{pass_code}`), or answering a challenge
 * (`{exchange_id, pass_code}`, as cidaas does).
 */
export const signInVerificationBody = z.object({ pass_code: passCodeSchema, exchange_id: uuidSchema.optional(), sub: subSchema.optional() }).strict();

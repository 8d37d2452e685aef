import { z } from 'zod';
import { plainText, subSchema, uuidSchema } from '../../validation/fields.ts';
import { appFields } from '../flows/app-fields.ts';
import { publicJwkSchema } from './device-key.ts';

// PUSH's request bodies, each documented in openapi.yaml under the name its operation gives.

/** A compact JWS: three base64url parts (the signature check comes later). */
export const compactJws = z.string().max(8192).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');

/** `PushInitiation`: what the profile UI may send to start an enrollment. */
export const initiationBody = z.object({ client_id: uuidSchema.optional(), deviceInfo: z.looseObject({}).optional() }).loose();

/** `PushEnroll`: the app completes the enrollment it scanned with its public key and a proof of possession. */
export const enrollBody = z.object({ ...appFields, public_key: publicJwkSchema, proof: compactJws }).strict();

/** Sign-in challenges last 120 s unless asked otherwise, at most 10 minutes (DESIGN §10). */
export const DEFAULT_CHALLENGE_SECONDS = 120;
const MAX_CHALLENGE_SECONDS = 600;
const MAX_DETAILS = 20;

const details = z
  .record(plainText(64), plainText(256))
  .refine((d) => Object.keys(d).length <= MAX_DETAILS, `at most ${MAX_DETAILS} fields`);

/** `PushSignInInitiation`: what the device shows (message, details) and what it does not (hidden details). */
export const signInInitiationBody = z
  .object({
    sub: subSchema.optional(),
    message: plainText(256),
    details: details.optional(),
    hidden_details: details.optional(),
    expires_in: z.number().int().min(10).max(MAX_CHALLENGE_SECONDS).optional(),
  })
  .strict();

/** `PushSignInVerification`: the sign-in client collects the answered challenge. */
export const signInVerificationBody = z.object({ exchange_id: uuidSchema, sub: subSchema.optional() }).strict();

/** `PushResponse`: the device's signed answer. */
export const responseBody = z.object({ response: compactJws }).strict();

/** What a device signs to answer a challenge (the payload of `PushResponse.response`). */
export const answerPayload = z
  .object({
    exchange_id: uuidSchema,
    decision: z.enum(['approve', 'deny']),
    number: z.string().regex(/^[0-9]{2}$/).optional(),
    // `fraud` locks PUSH for the user at once (DESIGN §10); anything else is kept as said.
    reason: z.string().max(64).optional(),
    iat: z.number().int(),
    exp: z.number().int(),
  })
  .loose();

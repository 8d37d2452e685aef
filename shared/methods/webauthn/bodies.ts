import { z } from 'zod';
import { subSchema, uuidSchema } from '../../validation/fields.ts';
import { authenticationResponseSchema, registrationResponseSchema } from '../../webauthn/index.ts';

// The request bodies of FIDO2 and TOUCHID, each documented once in openapi.yaml under the name
// its operation gives (the two methods take the same bodies).

/** `WebAuthnInitiation`: nothing is needed; cidaas' profile UI sends `deviceInfo`, accepted and ignored. */
export const initiationBody = z.object({ deviceInfo: z.looseObject({}).optional() }).strict();

/**
 * The browser's response comes as `credential` (DESIGN §12) or under cidaas' name
 * `fido2_client_response`, exactly one of them; the handler gets it as `credential`.
 */
const exactlyOneResponse = (b: { credential?: unknown; fido2_client_response?: unknown }) =>
  (b.credential === undefined) !== (b.fido2_client_response === undefined);
const oneResponse = { message: 'send the WebAuthn response as credential (or fido2_client_response), exactly once', path: ['credential'] };

function asCredential<B extends { credential?: object; fido2_client_response?: B['credential'] }>(
  body: B,
): Omit<B, 'credential' | 'fido2_client_response'> & { credential: NonNullable<B['credential']> } {
  const { credential, fido2_client_response: alias, ...rest } = body;
  return { ...rest, credential: (credential ?? alias)! };
}

/** `WebAuthnProfileVerification`: the registration response for the enrollment's options. */
export const profileVerificationBody = z
  .object({ exchange_id: uuidSchema, credential: registrationResponseSchema.optional(), fido2_client_response: registrationResponseSchema.optional() })
  .strict()
  .refine(exactlyOneResponse, oneResponse)
  .transform(asCredential);

/** `WebAuthnSignInInitiation`: a challenge for the caller, or for the user a service token names. */
export const signInInitiationBody = z.object({ sub: subSchema.optional() }).strict();

/** `WebAuthnSignInVerification`: the assertion answering the challenge's options. */
export const signInVerificationBody = z
  .object({
    exchange_id: uuidSchema,
    credential: authenticationResponseSchema.optional(),
    fido2_client_response: authenticationResponseSchema.optional(),
    sub: subSchema.optional(),
  })
  .strict()
  .refine(exactlyOneResponse, oneResponse)
  .transform(asCredential);

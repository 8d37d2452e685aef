import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

// What a route accepts as `credential` (or cidaas' `fido2_client_response`): the JSON that
// `PublicKeyCredential.toJSON()` and @simplewebauthn/browser produce. Bounds keep a hostile body
// small; members this service does not read are dropped, so newer browsers' extras still pass.

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding');

/** Credential ids are at most 1023 bytes (WebAuthn §5.8.3): 1364 base64url characters. */
const credentialId = base64url(1364);

const common = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

export const registrationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(8192),
    // Room for an attestation certificate chain; the body limit bounds the request anyway.
    attestationObject: base64url(48 * 1024),
    authenticatorData: base64url(16 * 1024).optional(),
    transports: z.array(z.string().max(32)).max(16).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(8192).optional(),
  }),
}) satisfies z.ZodType<RegistrationResponseJSON>;

export const authenticationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(16 * 1024),
    signature: base64url(8192),
    // `user.id` is at most 64 bytes.
    userHandle: base64url(86).optional(),
  }),
}) satisfies z.ZodType<AuthenticationResponseJSON>;

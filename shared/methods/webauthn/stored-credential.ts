import { z } from 'zod';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import type { JsonObject } from '../../db/json.ts';
import { TRANSPORTS, WEBAUTHN_METHODS, type RegisteredCredential, type StoredCredential } from '../../webauthn/index.ts';

// A WebAuthn credential is an authenticator row: its signature counter in `counter`, everything
// else (none of it secret) in `data`. The credential id is unique per tenant (migration 0012).

const dataSchema = z.object({
  credential_id: z.string(),
  /** COSE public key, base64url. */
  public_key: z.string(),
  transports: z.array(z.enum(TRANSPORTS)),
  aaguid: z.string(),
  /** `multiDevice`: the credential may be synced (a passkey), i.e. it is backup eligible. */
  device_type: z.enum(['singleDevice', 'multiDevice']),
  /** Whether it was backed up, as the authenticator last said. */
  backed_up: z.boolean(),
  user_verified: z.boolean(),
  attestation_format: z.string(),
});

/** What the authenticator row of a new credential stores in `data`. */
export function credentialData(credential: RegisteredCredential): JsonObject {
  return {
    credential_id: credential.id,
    public_key: Buffer.from(credential.publicKey).toString('base64url'),
    transports: [...credential.transports],
    aaguid: credential.aaguid,
    device_type: credential.deviceType,
    backed_up: credential.backedUp,
    user_verified: credential.userVerified,
    attestation_format: credential.attestationFormat,
  };
}

/** A credential as sign-in verifies against it, with the authenticator it belongs to. */
interface CredentialOf extends StoredCredential {
  phId: string;
}

/** The credential an authenticator row of a WebAuthn method holds. */
export function credentialOf(a: Authenticator): CredentialOf {
  const data = dataSchema.parse(a.data);
  return {
    phId: a.phId,
    id: data.credential_id,
    transports: data.transports,
    publicKey: new Uint8Array(Buffer.from(data.public_key, 'base64url')),
    counter: a.counter,
  };
}

/** Whether an authenticator holds a WebAuthn credential (of either method). */
export function isWebAuthn(a: Authenticator): boolean {
  return (WEBAUTHN_METHODS as readonly string[]).includes(a.verificationType);
}

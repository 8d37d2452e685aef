import { createHmac, hkdfSync } from 'node:crypto';
import type { SecretKeyring } from '../otp/secret-box.ts';

/**
 * The key user handles are derived with: HKDF of the active `SECRET_KEY`, so it is never the
 * encryption key itself. Rotating `SECRET_KEY` changes the handles of *new* registrations only;
 * sign-in finds credentials by their id, never by handle, so existing credentials keep working.
 */
export function userHandleKey(keyring: SecretKeyring): Buffer {
  const active = keyring.keys.get(keyring.activeKeyId);
  if (!active) throw new Error(`SECRET_KEY_ID ${keyring.activeKeyId} has no key`);
  return Buffer.from(hkdfSync('sha256', active, Buffer.alloc(0), 'verification-srv webauthn user handle', 32));
}

/**
 * The WebAuthn `user.id` of a user: HMAC-SHA256 over tenant and sub (32 bytes).
 *
 * The spec forbids personal data in `user.id` (authenticators store it and hand it back to any
 * caller of the RP ID without user verification), and `sub` may be an email address. The HMAC
 * is opaque and stable, so the same user gets the same handle in every ceremony (an
 * authenticator then replaces a user's old discoverable credential instead of piling up a
 * second one), while different tenants get unrelated handles for the same `sub`.
 */
export function userHandle(key: Uint8Array, tenantId: string, sub: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(JSON.stringify([tenantId, sub])).digest());
}

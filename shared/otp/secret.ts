import { randomBytes } from 'node:crypto';
import { Secret } from 'otpauth';

/** RFC 4226 §4 asks for at least 128 bits and recommends 160. */
const SECRET_BYTES = 20;

/**
 * A new TOTP shared secret: 160 bits from the CSPRNG, RFC 4648 base32 without padding.
 *
 * @example
 * ```ts
 * const secret = generateSecret(); // 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' (32 characters)
 * ```
 */
export function generateSecret(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
}

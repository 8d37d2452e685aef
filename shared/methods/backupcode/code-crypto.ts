import { createHmac, randomInt } from 'node:crypto';
import { derivedKey, type KeyPurpose } from '../../otp/derived-key.ts';
import type { SecretKeyring } from '../../otp/secret-box.ts';

// Backup codes (DESIGN §15): 10 characters shown as `xxxxx-xxxxx`, from an alphabet without the
// look-alikes 0/o, 1/i/l: 31 symbols, so a code carries 49.5 bits. Only an HMAC of each is stored.

/** The symbols a code is made of (lower case; input is compared case-insensitively). */
const CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const CODE_LENGTH = 10;
const NORMALISED = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

// Its own key, derived from SECRET_KEY: a code's HMAC proves nothing about any other secret.
const HMAC_KEY: KeyPurpose = { salt: 'verification-srv', info: 'backup-code HMAC-SHA256 v1' };

/** One fresh code, as shown to the user (`xxxxx-xxxxx`), from the CSPRNG. */
function generateCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** `count` distinct fresh codes. */
export function generateCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateCode());
  return [...codes];
}

/**
 * A code as typed (any case, spaces, dashes) in the one form it is hashed in, or undefined when
 * it cannot be a code at all (wrong length, a look-alike character).
 */
export function normaliseCode(input: string): string | undefined {
  const bare = input.toLowerCase().replace(/[\s-]/g, '');
  return NORMALISED.test(bare) ? bare : undefined;
}

/**
 * The stored form of a normalised code of authenticator `phId`: HMAC-SHA256 under the key
 * `keyId` of the keyring, over the ph_id and the code (so equal codes of two users differ).
 * Undefined when `keyId` is no longer in the keyring: an HMAC cannot be re-sealed like a
 * secret, so a set made under a key the operator dropped can no longer be checked.
 */
export function hashCode(keyring: SecretKeyring, keyId: string, phId: string, normalised: string): Buffer | undefined {
  const key = derivedKey(keyring, keyId, HMAC_KEY);
  if (!key) return undefined;
  return createHmac('sha256', key).update(`${phId}:${normalised}`).digest();
}

import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { derivedKey, type KeyPurpose } from '../../otp/derived-key.ts';
import type { SecretKeyring } from '../../otp/secret-box.ts';

// The codes SMS and EMAIL send (DESIGN §11): CSPRNG digits, stored only as
// HMAC-SHA256(key, exchange_id ‖ code) so a database reader learns nothing it could type, and
// a code is bound to the exchange it was sent for.

/** A code's MAC as kept with its exchange, with the id of the key it was made with (keys rotate). */
export interface CodeMac {
  mac: string;
  keyId: string;
}

const MAC_KEY: KeyPurpose = { salt: '', info: 'verification-srv one-time code mac' };

/** The MAC key of one keyring key (see derivedKey). */
const macKey = (keyring: SecretKeyring, keyId: string) => derivedKey(keyring, keyId, MAC_KEY);

function digest(key: Buffer, exchangeId: string, code: string): Buffer {
  // A separator no exchange id contains, so (id, code) pairs cannot collide.
  return createHmac('sha256', key).update(`${exchangeId}\u0000${code}`, 'utf8').digest();
}

/** `digits` decimal digits, each uniformly drawn from the CSPRNG (leading zeros kept). */
export function generateCode(digits: number): string {
  let code = '';
  for (let i = 0; i < digits; i++) code += String(randomInt(10));
  return code;
}

/** The MAC to store for `code` sent for `exchangeId`, with the keyring's active key. */
export function macCode(keyring: SecretKeyring, exchangeId: string, code: string): CodeMac {
  const key = macKey(keyring, keyring.activeKeyId);
  if (!key) throw new Error(`the active key id ${keyring.activeKeyId} is not in the keyring`);
  return { mac: digest(key, exchangeId, code).toString('base64url'), keyId: keyring.activeKeyId };
}

/**
 * Whether `code` is the one `stored` was made for, compared in constant time. A MAC made with a
 * key no longer in the keyring matches nothing.
 */
export function codeMatches(keyring: SecretKeyring, stored: CodeMac, exchangeId: string, code: string): boolean {
  const key = macKey(keyring, stored.keyId);
  if (!key) return false;
  const expected = Buffer.from(stored.mac, 'base64url');
  const actual = digest(key, exchangeId, code);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** An HMAC of `parts` under the active key, for lookups that must not store what they name (a destination). */
export function keyedDigest(keyring: SecretKeyring, ...parts: string[]): string {
  const key = macKey(keyring, keyring.activeKeyId)!;
  return createHmac('sha256', key).update(JSON.stringify(parts), 'utf8').digest('base64url');
}

import { hkdfSync } from 'node:crypto';
import type { SecretKeyring } from './secret-box.ts';

/** What a derived key is for: HKDF's salt and info, which keep each purpose's key apart. */
export interface KeyPurpose {
  salt: string;
  info: string;
}

const derived = new WeakMap<Buffer, Map<string, Buffer>>();

/**
 * A 32-byte key for one purpose, derived with HKDF-SHA256 from keyring key `keyId`, so the
 * encryption key itself never MACs anything and no two purposes share a key. Derived once per
 * key and purpose (a code check then costs one HMAC, not a derivation). Undefined when `keyId`
 * is not in the keyring.
 */
export function derivedKey(keyring: SecretKeyring, keyId: string, { salt, info }: KeyPurpose): Buffer | undefined {
  const secret = keyring.keys.get(keyId);
  if (!secret) return undefined;
  let byPurpose = derived.get(secret);
  if (!byPurpose) derived.set(secret, (byPurpose = new Map()));
  const name = `${salt}\u0000${info}`;
  let key = byPurpose.get(name);
  if (!key) byPurpose.set(name, (key = Buffer.from(hkdfSync('sha256', secret, salt, info, 32))));
  return key;
}

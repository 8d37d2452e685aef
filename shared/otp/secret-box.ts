import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Key material for secrets at rest: the active key encrypts, every listed key decrypts. Built
 * from `SECRET_KEY`, `SECRET_KEY_ID` and `PREVIOUS_SECRET_KEYS` by the configuration.
 */
export interface SecretKeyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A secret encrypted at rest, with the id of the key that sealed it so keys can rotate. */
export interface SealedSecret {
  keyId: string;
  /** 12-byte random IV | 16-byte GCM tag | encrypted data */
  ciphertext: Buffer;
}

/** Why a sealed secret could not be opened. */
export type SecretBoxErrorCode = 'UNKNOWN_KEY' | 'DECRYPT_FAILED';

/** Raised by {@link openSecret}; the message never contains key material or plaintext. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';

  constructor(readonly code: SecretBoxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts a secret with the keyring's active key (AES-256-GCM). The associated data binds the
 * ciphertext to its owner, so a ciphertext copied to another row does not open.
 *
 * @example
 * ```ts
 * const sealed = sealSecret(config.secretKeyring, totpSecret, `${tenantId}:${sub}`);
 * ```
 */
export function sealSecret(keyring: SecretKeyring, plaintext: string, associatedData: string): SealedSecret {
  const key = keyring.keys.get(keyring.activeKeyId);
  if (!key) throw new SecretBoxError('UNKNOWN_KEY', `the active key id ${keyring.activeKeyId} is not in the keyring`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: keyring.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), data]) };
}

/**
 * Decrypts a secret sealed by {@link sealSecret} with any key still in the keyring.
 *
 * @throws SecretBoxError `UNKNOWN_KEY` when the key id is not in the keyring, `DECRYPT_FAILED`
 * when the ciphertext was altered or the associated data differs.
 * @example
 * ```ts
 * const totpSecret = openSecret(config.secretKeyring, row.sealed, `${tenantId}:${sub}`);
 * ```
 */
export function openSecret(keyring: SecretKeyring, sealed: SealedSecret, associatedData: string): string {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new SecretBoxError('UNKNOWN_KEY', `no key with id ${sealed.keyId} in the keyring`);
  const { ciphertext } = sealed;
  if (ciphertext.length < IV_BYTES + TAG_BYTES) {
    throw new SecretBoxError('DECRYPT_FAILED', 'sealed secret is too short');
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, ciphertext.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const data = ciphertext.subarray(IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SecretBoxError('DECRYPT_FAILED', 'sealed secret failed authentication', { cause: err });
  }
}

/** Whether `sealed` was sealed under a key other than the active one (the key was rotated since). */
export function isSealedUnderOldKey(keyring: SecretKeyring, sealed: SealedSecret): boolean {
  return sealed.keyId !== keyring.activeKeyId;
}

/**
 * Seals `plaintext` (already opened from `sealed`) again under the active key, or returns
 * null when `sealed` already uses it. Used after a key rotation, so the old key can retire.
 *
 * @example
 * ```ts
 * const fresh = resealSecret(config.secretKeyring, row.sealed, secret, `${tenantId}:${sub}`);
 * if (fresh) await replaceSecret(tx, row.id, row.sealed, fresh);
 * ```
 */
export function resealSecret(keyring: SecretKeyring, sealed: SealedSecret, plaintext: string, associatedData: string): SealedSecret | null {
  return isSealedUnderOldKey(keyring, sealed) ? sealSecret(keyring, plaintext, associatedData) : null;
}

import { calculateJwkThumbprint, compactVerify, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

// Every signature PUSH checks (proof of possession, device tokens, answers) is checked here,
// by jose: no hand-written signature code, and one place that says which keys and algorithms count.

const b64url = (bytes: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), `must be ${bytes} bytes, base64url`);

/**
 * The public JWKs a device may enroll: EC P-256 (ES256, what WebCrypto and mobile keystores
 * make) or OKP Ed25519 (EdDSA). Private members (`d`) are refused by `strict`, so a careless
 * app cannot hand its private key over; `kid`, `alg`, `use` and `key_ops` are tolerated and ignored.
 */
const tolerated = { kid: z.string().max(256).optional(), alg: z.string().max(16).optional(), use: z.string().max(8).optional(), key_ops: z.array(z.string().max(16)).max(8).optional(), ext: z.boolean().optional() };
export const publicJwkSchema = z.discriminatedUnion('kty', [
  z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64url(32), y: b64url(32), ...tolerated }).strict(),
  z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64url(32), ...tolerated }).strict(),
]);
export type PublicJwk = z.output<typeof publicJwkSchema>;

/** The algorithms a key of each kind signs with. */
const ALGORITHMS: Record<PublicJwk['kty'], string[]> = { EC: ['ES256'], OKP: ['EdDSA', 'Ed25519'] };

/** A device's public key, ready to verify its signatures. */
export interface DeviceKey {
  key: CryptoKey | Uint8Array;
  algorithms: string[];
}

/** The members that define the key, in the order they are stored (RFC 7638's members). */
function essential(jwk: PublicJwk): JWK {
  return jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: jwk.crv, x: jwk.x };
}

/** The key as `authenticators.public_key` stores it: its essential members as JSON. */
export function storedKey(jwk: PublicJwk): string {
  return JSON.stringify(essential(jwk));
}

/** RFC 7638 thumbprint, shown to the user and in the devices list as the key's fingerprint. */
export function keyThumbprint(jwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint(essential(jwk), 'sha256');
}

/**
 * Imports a public JWK for verifying.
 *
 * @throws Error when the key is not on its curve (jose refuses it).
 */
export async function importDeviceKey(jwk: PublicJwk): Promise<DeviceKey> {
  const algorithms = ALGORITHMS[jwk.kty];
  return { key: await importJWK(essential(jwk), algorithms[0]), algorithms };
}

/** Reads a key stored by {@link storedKey}; undefined when the row holds anything else. */
export function readStoredKey(stored: string | null): PublicJwk | undefined {
  if (!stored) return undefined;
  try {
    const parsed = publicJwkSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS by `key` and returns its protected header and JSON payload, or
 * undefined for anything that is not one (bad signature, wrong algorithm, payload not a JSON object).
 */
export async function verifyCompact(jws: string, key: DeviceKey): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> } | undefined> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, key.key, { algorithms: key.algorithms });
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return { header: protectedHeader as Record<string, unknown>, payload: parsed as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

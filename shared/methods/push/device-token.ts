import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import { uuidSchema } from '../../validation/fields.ts';
import { compactJws } from './bodies.ts';
import { importDeviceKey, readStoredKey, verifyCompact, type DeviceKey } from './device-key.ts';
import { findPushDevice, useTokenIdAndListPending, type PendingChallengeRow } from './push-repository.ts';

/** The audience every device token names (DESIGN §10). */
const DEVICE_AUDIENCE = 'verification-device';
/** A device token, or an answer, lives at most 5 minutes. */
const MAX_DEVICE_TOKEN_SECONDS = 300;
/** Device clocks drift: an `iat` this far ahead of ours is still accepted. */
const CLOCK_SKEW_SECONDS = 30;

/** An enrolled PUSH device that proved itself. */
export interface PushDevice {
  phId: string;
  tenantId: string;
  sub: string;
  key: DeviceKey;
}

const challengeHeader = { 'WWW-Authenticate': `Device realm="${DEVICE_AUDIENCE}"` };
const invalid = (detail: string) => new VerificationError('DEVICE_TOKEN_INVALID', detail, { headers: challengeHeader });

/** What a device's open feed or long poll ends with when the device is removed meanwhile. */
export const deviceRemoved = () => invalid('the device was removed');

/** How many devices' keys a process keeps imported (a few hundred bytes each). */
const KNOWN_DEVICES_MAX = 10_000;

/**
 * Devices whose key this process has already read and imported, by `ph_id`. A device's key,
 * tenant and user never change (a new enrollment gets a new `ph_id`, and no statement updates
 * `public_key`), so a remembered key verifies exactly what the stored one would. What can change
 * is whether the device is still enrolled: every caller of {@link findSigner} confirms that with
 * a statement it runs anyway (the token's jti insert, the answer's re-check under the user's PUSH
 * lock), so a removed device is refused as before while a poll or an answer skips one read.
 * Only enrolled devices are remembered: unknown `kid`s are read every time.
 */
const knownDevices = new Map<string, { tenantId: string; sub: string; key: DeviceKey }>();

function remember(phId: string, device: { tenantId: string; sub: string; key: DeviceKey }): void {
  // Oldest first out: Map keeps insertion order.
  if (knownDevices.size >= KNOWN_DEVICES_MAX) knownDevices.delete(knownDevices.keys().next().value!);
  knownDevices.set(phId, device);
}

/**
 * The PUSH device whose key signed `jws` (its `kid` is the device's `ph_id`), and the verified
 * payload. Unknown and forged look alike to the caller. The device may have been removed since
 * its key was first read (see {@link knownDevices}): the caller must confirm it is still
 * enrolled in a statement of its own.
 */
export async function findSigner(q: Queryable, jws: string): Promise<{ device: PushDevice; payload: Record<string, unknown> } | undefined> {
  const device = await signerKey(q, jws);
  const verified = device && (await verifyCompact(jws, device.key));
  return verified ? { device, payload: verified.payload } : undefined;
}

/** The PUSH device `jws`'s `kid` names, with its key (remembered or read): its signature is not checked yet. */
async function signerKey(q: Queryable, jws: string): Promise<PushDevice | undefined> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(jws).kid;
  } catch {
    return undefined;
  }
  const phId = uuidSchema.safeParse(kid);
  if (!phId.success) return undefined;
  let known = knownDevices.get(phId.data);
  if (!known) {
    const found = await findPushDevice(q, phId.data);
    const jwk = readStoredKey(found?.publicKey ?? null);
    if (!found || !jwk) return undefined;
    known = { tenantId: found.tenantId, sub: found.sub, key: await importDeviceKey(jwk) };
    remember(phId.data, known);
  }
  return { phId: phId.data, ...known };
}

/** jose's errors that mean the token is not a JWS by the key at all (rather than claims that do not fit). */
const NOT_SIGNED_BY_KEY = new Set(['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JWS_INVALID', 'ERR_JOSE_NOT_SUPPORTED']);

/** Whether `iat`/`exp` make a lifetime of at most 5 minutes that includes `now`. */
export function isCurrent(payload: { iat?: unknown; exp?: unknown }, now: Date): boolean {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return false;
  const nowS = now.getTime() / 1000;
  return exp > nowS && iat <= nowS + CLOCK_SKEW_SECONDS && exp - iat <= MAX_DEVICE_TOKEN_SECONDS && exp > iat;
}

/** A device token whose signature and claims were checked; its jti is not recorded yet. */
export interface VerifiedDeviceToken {
  device: PushDevice;
  jti: string;
  expiresAt: Date;
}

/**
 * Checks a device request's token: `Authorization: Device <jws>`, a compact JWS by the enrolled
 * key, header `kid` = `ph_id`, payload `{aud: "verification-device", iat, exp (≤ 5 min), jti}`.
 * The request is authenticated only once {@link useDeviceTokenAndListPending} has recorded the
 * jti (each works once per device) and confirmed the device is still enrolled.
 *
 * @throws VerificationError DEVICE_TOKEN_REQUIRED, DEVICE_TOKEN_INVALID
 */
export async function verifyDeviceToken(q: Queryable, authorization: string | undefined, now: Date): Promise<VerifiedDeviceToken> {
  const match = /^Device\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new VerificationError('DEVICE_TOKEN_REQUIRED', undefined, { headers: challengeHeader });
  const token = match[1]!;
  if (!compactJws.safeParse(token).success) throw invalid('the device token is not a compact JWS');
  const device = await signerKey(q, token);
  if (!device) throw invalid('the device token is not signed by an enrolled device');
  // One verification, by jose: the signature and the claims together.
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, device.key.key, {
      algorithms: device.key.algorithms,
      audience: DEVICE_AUDIENCE,
      currentDate: now,
      requiredClaims: ['iat', 'exp', 'jti'],
    }));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SIGNED_BY_KEY.has(code)) throw invalid('the device token is not signed by an enrolled device');
    throw invalid(`the device token must name audience ${DEVICE_AUDIENCE} and carry iat, exp and jti`);
  }
  const { jti, exp } = payload;
  if (!isCurrent(payload, now)) throw invalid(`the device token must be current and live at most ${MAX_DEVICE_TOKEN_SECONDS} s`);
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) throw invalid('the device token needs a jti of 1 to 128 characters');
  return { device, jti, expiresAt: new Date((exp as number) * 1000) };
}

/**
 * Records the token's jti and reads the device's pending challenges, in one statement that also
 * confirms the device is still enrolled (its key may have been remembered): what authenticates
 * a poll or a feed, and its first answer.
 *
 * @throws VerificationError DEVICE_TOKEN_INVALID (removed device), DEVICE_TOKEN_REPLAYED
 */
export async function useDeviceTokenAndListPending(q: Queryable, token: VerifiedDeviceToken, now: Date): Promise<PendingChallengeRow[]> {
  const { use, pending } = await useTokenIdAndListPending(q, token.device.phId, token.jti, token.expiresAt, now);
  if (use === 'not_enrolled') throw invalid('the device token is not signed by an enrolled device');
  if (use === 'replayed') throw new VerificationError('DEVICE_TOKEN_REPLAYED', undefined, { headers: challengeHeader });
  return pending;
}

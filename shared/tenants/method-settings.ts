import { z } from 'zod';
import { VerificationError } from '../errors/verification-error.ts';
import { hasControlCharacters } from '../text/control-characters.ts';

/** The verification methods this service implements, as cidaas names them. */
export const VERIFICATION_TYPES = ['TOTP'] as const;
export type VerificationType = (typeof VERIFICATION_TYPES)[number];

export const HASH_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

export interface MethodSettings {
  algorithm: HashAlgorithm;
  digits: number;
  /** Seconds per TOTP step. */
  period: number;
  /** Steps accepted either side of now. */
  window: number;
  /** Seconds an enrollment exchange stays usable. */
  exchange_lifetime: number;
  max_devices: number;
  /** Issuer label shown in authenticator apps; the tenant id when unset. */
  issuer: string | null;
}

export interface MethodConfig {
  verificationType: VerificationType;
  active: boolean;
  settings: MethodSettings;
}

/**
 * SHA1, 6 digits, 30 s is what every authenticator app supports; other values are allowed
 * but some apps (Google Authenticator among them) silently ignore them.
 */
export const DEFAULT_SETTINGS: MethodSettings = {
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  window: 1,
  exchange_lifetime: 600,
  max_devices: 5,
  issuer: null,
};

export function defaultMethodConfig(verificationType: VerificationType): MethodConfig {
  return { verificationType, active: true, settings: { ...DEFAULT_SETTINGS } };
}

export const settingsPatchSchema = z
  .object({
    algorithm: z.enum(HASH_ALGORITHMS),
    digits: z.number().int().min(6).max(8),
    period: z.number().int().min(15).max(120),
    window: z.number().int().min(0).max(2),
    exchange_lifetime: z.number().int().min(60).max(3600),
    max_devices: z.number().int().min(1).max(20),
    issuer: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[^:]+$/, 'must not contain ":" (it separates issuer and account in otpauth URIs)')
      .refine((s) => !hasControlCharacters(s), 'must not contain control characters')
      .nullable(),
  })
  .strict()
  .partial();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/**
 * Resolves a method name from a path (`totp`, `TOTP`).
 *
 * @throws VerificationError UNKNOWN_METHOD for anything this service does not implement.
 */
export function parseVerificationType(raw: string): VerificationType {
  const upper = raw.toUpperCase();
  const found = VERIFICATION_TYPES.find((type) => type === upper);
  if (!found) throw new VerificationError('UNKNOWN_METHOD', `unknown verification method "${raw.slice(0, 32)}"; known: ${VERIFICATION_TYPES.join(', ')}`);
  return found;
}

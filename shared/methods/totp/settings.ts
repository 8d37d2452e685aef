import { z } from 'zod';
import type { JsonObject } from '../../db/json.ts';
import type { CodeParams } from '../../otp/totp.ts';
import { issuerLabelSchema } from '../../otp/issuer-label.ts';
import { defineSettings } from '../settings.ts';

const HASH_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;

/**
 * TOTP's tenant settings. SHA1, 6 digits, 30 s is what every authenticator app supports; other
 * values are allowed but some apps (Google Authenticator among them) silently ignore them.
 */
export const totpSettings = defineSettings({
  type: 'TOTP',
  documentedAs: 'TotpSettings',
  fields: {
    algorithm: z.enum(HASH_ALGORITHMS),
    digits: z.number().int().min(6).max(8),
    /** Seconds per TOTP step. */
    period: z.number().int().min(15).max(120),
    /** Steps accepted either side of now. */
    window: z.number().int().min(0).max(2),
    /** Issuer label shown in authenticator apps; the tenant id when null. */
    issuer: issuerLabelSchema,
  },
  defaults: { algorithm: 'SHA1', digits: 6, period: 30, window: 1, exchange_lifetime: 600, max_devices: 5, issuer: null },
});

export type TotpSettings = typeof totpSettings.defaults;

/**
 * The code parameters of an enrollment, and then of its authenticator, kept in the exchange's
 * `method_state` and the authenticator's `data`: fixed at initiation, so a later settings
 * change cannot break a pending enrollment or an enrolled app.
 */
const codeParamsSchema = z.object({
  algorithm: z.enum(HASH_ALGORITHMS),
  digits: z.number().int(),
  period: z.number().int(),
  window: z.number().int(),
});

/** The code parameters a new enrollment is fixed with: the tenant's current settings. */
export function codeParamsOf(settings: TotpSettings): CodeParams {
  return { algorithm: settings.algorithm, digits: settings.digits, period: settings.period, window: settings.window };
}

/** Reads the parameters stored with an exchange or authenticator (written by this module). */
export function readCodeParams(stored: JsonObject): CodeParams {
  return codeParamsSchema.parse(stored);
}

/** The parameters as they are stored (`method_state`, `data`). */
export function storedCodeParams(params: CodeParams): JsonObject {
  return { algorithm: params.algorithm, digits: params.digits, period: params.period, window: params.window };
}

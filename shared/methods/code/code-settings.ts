import { z } from 'zod';
import { hasControlCharacters } from '../../text/control-characters.ts';

/** The settings every code method (SMS, EMAIL) has besides the common ones. */
export const CODE_SETTINGS_FIELDS = {
  /** Digits per code. */
  digits: z.number().int().min(4).max(10),
  /** The name messages say the code is from; the tenant id when null. */
  sender_name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((s) => !hasControlCharacters(s), 'must not contain control characters')
    .nullable(),
};

/** Defaults of those settings (DESIGN §11): 6 digits, codes valid 10 minutes. */
export const CODE_SETTINGS_DEFAULTS = { digits: 6, sender_name: null, exchange_lifetime: 600, max_devices: 5 };

export interface CodeSettings {
  digits: number;
  sender_name: string | null;
  exchange_lifetime: number;
  max_devices: number;
}

import { z } from 'zod';
import { plainText, uuidSchema } from '../../shared/http/params.ts';

// Request bodies of the actions service, shared by its route modules and documented in openapi.yaml.

export const passCodeSchema = z.string().regex(/^[0-9]{6,8}$/, 'must be 6 to 8 digits');
const deviceIdSchema = z.string().trim().pipe(plainText(256));
const subSchema = plainText(255);

export const initiationBody = z
  .object({
    client_id: uuidSchema.optional(),
    // cidaas' profile UI sends this; accepted for compatibility, not needed for TOTP.
    deviceInfo: z.looseObject({}).optional(),
  })
  .loose();

export const profileVerificationBody = z.object({ exchange_id: uuidSchema, pass_code: passCodeSchema }).strict();

export const scanBody = z
  .object({
    exchange_id: uuidSchema,
    client_id: uuidSchema,
    device_id: deviceIdSchema,
    push_id: plainText(4096).optional(),
  })
  .strict();

export const enrollBody = scanBody.extend({ pass_code: passCodeSchema, public_key: plainText(8192, { multiline: true }).optional() }).strict();

export const friendlyNameBody = z.object({ ph_id: uuidSchema, friendly_name: z.string().trim().pipe(plainText(64)) }).strict();

export const devicesQuery = z.object({ sub: subSchema.optional() }).strict();

export const signInBody = z.object({ pass_code: passCodeSchema, sub: subSchema.optional() }).strict();

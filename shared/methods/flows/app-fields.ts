import { z } from 'zod';
import { plainText, uuidSchema } from '../../validation/fields.ts';

/**
 * The fields an authenticator app identifies itself with on the app path (scan, enroll): read
 * from the QR code (`eid`, `cid`) or its own (device and push ids). Methods extend these.
 */
export const appFields = {
  exchange_id: uuidSchema,
  client_id: uuidSchema,
  device_id: z.string().trim().pipe(plainText(256)),
  push_id: plainText(4096).optional(),
};

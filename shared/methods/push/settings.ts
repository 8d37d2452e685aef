import { z } from 'zod';
import { issuerLabelSchema } from '../../otp/issuer-label.ts';
import { defineSettings } from '../settings.ts';

/**
 * PUSH's tenant settings (DESIGN §10). Number matching is on by default: the sign-in screen
 * shows a two-digit number the user types on the device, so a user tapping "approve" on a
 * prompt they did not start (push fatigue) cannot sign an attacker in.
 */
export const pushSettings = defineSettings({
  type: 'PUSH',
  documentedAs: 'PushSettings',
  fields: {
    number_matching: z.boolean(),
    /** Issuer label shown in the companion app; the tenant id when null. */
    issuer: issuerLabelSchema,
  },
  defaults: { number_matching: true, issuer: null, exchange_lifetime: 600, max_devices: 5 },
});

export type PushSettings = typeof pushSettings.defaults;

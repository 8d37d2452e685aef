import { scanOperation } from '../flows/scan.ts';
import { defineMethod } from '../method-module.ts';
import * as enrollment from './enrollment.ts';
import { totpSettings } from './settings.ts';
import * as signIn from './sign-in.ts';

/**
 * TOTP (RFC 6238, DESIGN §4–§6): enrollment by QR code, completed from the profile UI with the
 * first code or by a companion app that scanned it; sign-in with a code, directly or answering
 * a challenge.
 */
export const totp = defineMethod({
  type: 'TOTP',
  settings: totpSettings,
  enrollment: {
    initiate: enrollment.initiate,
    verify: enrollment.verify,
    scan: scanOperation,
    enroll: enrollment.enroll,
    rotate: enrollment.rotate,
  },
  signIn: {
    initiate: signIn.initiate,
    verify: signIn.verify,
  },
});

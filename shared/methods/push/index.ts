import { scanOperation } from '../flows/scan.ts';
import { defineMethod } from '../method-module.ts';
import * as enrollment from './enrollment.ts';
import { removingDevice } from './removal.ts';
import { pushSettings } from './settings.ts';
import * as signIn from './sign-in.ts';

/**
 * PUSH (DESIGN §10): the companion app scans a `push_uri`, enrolls a device key (EC P-256 or
 * Ed25519) with a proof of possession, and approves sign-in challenges with the number shown on
 * the sign-in screen. Its device-authenticated endpoints (pending challenges, answers) are in
 * services/actions/push-device-routes.ts.
 */
export const push = defineMethod({
  type: 'PUSH',
  settings: pushSettings,
  enrollment: {
    initiate: enrollment.initiate,
    scan: scanOperation,
    enroll: enrollment.enroll,
    rotate: enrollment.rotate,
  },
  signIn: {
    initiate: signIn.initiate,
    verify: signIn.verify,
  },
  removing: removingDevice,
});

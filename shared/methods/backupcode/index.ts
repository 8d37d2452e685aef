import type { Authenticator } from '../../authenticators/authenticator.ts';
import { defineMethod } from '../method-module.ts';
import * as enrollment from './enrollment.ts';
import { backupcodeSettings, readSetSummary } from './settings.ts';
import * as signIn from './sign-in.ts';

/**
 * BACKUPCODE (DESIGN §15): 10 one-time codes generated at once (no exchange), shown once,
 * stored as HMACs; generating again replaces the set. Sign-in with one code, used up
 * atomically; no challenge.
 */
export const backupcode = defineMethod({
  type: 'BACKUPCODE',
  settings: backupcodeSettings,
  // Generating again replaces the set (DESIGN §8 names it apart from adding a factor).
  enrollment: { initiate: enrollment.initiate, initiateStepUp: 'regenerate_backup_codes' },
  signIn: { verify: signIn.verify },
  describeDevice: (authenticator: Authenticator) => ({ remaining: readSetSummary(authenticator.data).remaining }),
});

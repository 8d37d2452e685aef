import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import { verifySignInCode, type CodeCheck } from '../flows/sign-in.ts';
import { defineSignInOperation, type SignInContext } from '../method-module.ts';
import { recordUse, useCode, wasUsed } from './backup-code-repository.ts';
import { signInVerificationBody } from './bodies.ts';
import { hashCode, normaliseCode } from './code-crypto.ts';
import { backupcodeSettings, readSetSummary, type BackupcodeSettings } from './settings.ts';

/**
 * Checks a typed code against the user's set and uses it up in the same transaction: one
 * conditional UPDATE, so of any number of simultaneous sign-ins with one code exactly one
 * matches. A used code is a replay (not counted, like a double submit); a code when none is
 * left, or text that cannot be a code, is refused without counting (no guess could match);
 * anything else is wrong and shares the sign-in throttle. A match records `backupcodes.used`
 * and, when few remain, `backupcodes.low`.
 */
async function checkCode(tx: Queryable, ctx: SignInContext, settings: BackupcodeSettings, passCode: string): Promise<CodeCheck> {
  const { tenantId, sub } = ctx.subject;
  const [set] = await listAuthenticators(tx, tenantId, sub, 'BACKUPCODE');
  if (!set) return { outcome: 'refused', error: new VerificationError('NO_AUTHENTICATOR') };
  const normalised = normaliseCode(passCode);
  if (!normalised) return { outcome: 'refused', error: new VerificationError('BACKUP_CODE_MALFORMED') };
  const summary = readSetSummary(set.data);
  const hash = hashCode(ctx.deps.config.secretKeyring, summary.key_id, set.phId, normalised);
  if (!hash) {
    ctx.log.error({ phId: set.phId, keyId: summary.key_id }, 'backup codes made under a key no longer in the keyring');
    return { outcome: 'refused', error: new VerificationError('BACKUP_CODES_UNCHECKABLE') };
  }

  if (await useCode(tx, set.phId, hash, ctx.now)) {
    const remaining = await recordUse(tx, set.phId, ctx.now);
    const low = remaining <= settings.low_remaining ? [{ event: 'backupcodes.low', tenantId, sub, phId: set.phId, remaining } as const] : [];
    await ctx.events.record(tx, { event: 'backupcodes.used', tenantId, sub, phId: set.phId, remaining }, ...low);
    return { outcome: 'matched', phId: set.phId, fields: { remaining } };
  }
  if (await wasUsed(tx, set.phId, hash)) return { outcome: 'replayed', phId: set.phId };
  if (summary.remaining === 0) return { outcome: 'refused', error: new VerificationError('BACKUP_CODES_EXHAUSTED') };
  return { outcome: 'wrong' };
}

/**
 * Signs in with one backup code (DESIGN §15), normalised (case, spaces, dashes); the answer
 * says how many codes `remaining`.
 */
export const verify = defineSignInOperation('BackupcodeSignInVerification', signInVerificationBody, (ctx, body) =>
  verifySignInCode(ctx, { settings: backupcodeSettings, check: (tx, settings) => checkCode(tx, ctx, settings, body.pass_code) }),
);

import { v4 as uuidv4 } from 'uuid';
import { insertAuthenticator, listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import { enforceInitiationLimit } from '../../rate-limit/initiation-limit.ts';
import { requireStepUp } from '../../step-up/require-step-up.ts';
import { ensureTenant } from '../../tenants/method-config-repository.ts';
import { defineOperation, type DirectEnrollment, type InitiationContext } from '../method-module.ts';
import { replaceCodes, resetSummary } from './backup-code-repository.ts';
import { initiationBody } from './bodies.ts';
import { generateCodes, hashCode, normaliseCode } from './code-crypto.ts';
import { backupcodeSettings, CODES_PER_SET, type SetSummary } from './settings.ts';

/** The answer to an initiation: the codes, shown this once (the route answers `no-store`). */
interface BackupCodeSet extends DirectEnrollment {
  codes: string[];
  generated_at: string;
}

/** A new authenticator holding a set of backup codes: no device, no secret, no enrollment exchange (DESIGN §15). */
function newSetAuthenticator(ctx: InitiationContext, phId: string, summary: SetSummary): Authenticator {
  const { tenantId, sub } = ctx.user;
  const none = { enrollmentStatusId: null, deviceId: null, pushId: null, publicKey: null, friendlyName: null, secret: null, lastUsedAt: null };
  return { ...none, phId, tenantId, sub, verificationType: 'BACKUPCODE', counter: 0, data: { ...summary }, createdAt: ctx.now };
}

/**
 * Generates the user's backup codes (DESIGN §15): 10 new codes replace any previous set at
 * once, in one transaction. Counted against `INITIATION_RATE_LIMIT`; the method must be active;
 * once the user has any factor, a fresh second factor must be proved (step-up, DESIGN §8), whose
 * lock also serialises two generations of one user, so one set survives. The first set is
 * recorded as `factor.added`, each later one as `backupcodes.regenerated`; the set keeps its
 * ph_id (and friendly name) across regenerations.
 *
 * @throws VerificationError RATE_LIMITED, METHOD_INACTIVE, STEP_UP_REQUIRED
 */
export const initiate = defineOperation('BackupcodeInitiation', initiationBody, async (ctx: InitiationContext): Promise<BackupCodeSet> => {
  const { tenantId, sub } = ctx.user;
  await enforceInitiationLimit(ctx.deps.db, { tenantId, sub, limit: ctx.deps.config.initiationRateLimit, now: ctx.now });
  return ctx.deps.db.transaction(async (tx) => {
    await backupcodeSettings.requireActive(ctx.deps.tenantMethods.via(tx), tenantId);
    await ensureTenant(tx, tenantId);
    await requireStepUp(tx, { ...ctx.stepUp, tenantId, sub, now: ctx.now });
    const [existing] = await listAuthenticators(tx, tenantId, sub, 'BACKUPCODE');
    const phId = existing?.phId ?? uuidv4();
    const { secretKeyring: keyring } = ctx.deps.config;
    const codes = generateCodes(CODES_PER_SET);
    const summary: SetSummary = { key_id: keyring.activeKeyId, remaining: codes.length, generated_at: ctx.now.toISOString() };
    if (existing) await resetSummary(tx, phId, summary);
    else await insertAuthenticator(tx, newSetAuthenticator(ctx, phId, summary));
    // Fresh codes always normalise, and the active key is always in the keyring (configuration checks it).
    await replaceCodes(tx, phId, codes.map((code) => hashCode(keyring, summary.key_id, phId, normaliseCode(code)!)!));
    await ctx.events.record(
      tx,
      existing
        ? { event: 'backupcodes.regenerated', tenantId, sub, phId, count: codes.length }
        : { event: 'factor.added', tenantId, sub, type: 'BACKUPCODE', phId, via: 'profile' },
    );
    return { ph_id: phId, codes, generated_at: summary.generated_at };
  });
});

import type { Queryable } from '../../db/database.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import type { Authenticator } from '../../authenticators/authenticator.ts';
import { advanceCounter, listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import { secretBinding } from '../../authenticators/secret-binding.ts';
import type { Enrollment } from '../../exchanges/exchange.ts';
import { replaceSealedSecret } from '../../key-rotation/sealed-secret-repository.ts';
import { matchCode, openSecret, resealSecret, type SecretKeyring } from '../../otp/index.ts';
import type { CompletionCheck } from '../flows/enrollment.ts';
import type { CodeCheck } from '../flows/sign-in.ts';
import type { SignInContext } from '../method-module.ts';
import { readCodeParams, storedCodeParams } from './settings.ts';

/**
 * Checks the first code of an enrollment against its secret. On a match the authenticator
 * takes the secret over (moved to the active key if it was rotated since the initiation) and
 * the matched step as its counter: the code that completed enrollment cannot sign in.
 */
export function checkFirstCode(keyring: SecretKeyring, enrollment: Enrollment, passCode: string, now: Date): CompletionCheck {
  const params = readCodeParams(enrollment.methodState);
  const binding = secretBinding(enrollment.tenantId, enrollment.sub);
  const sealed = enrollment.secret!;
  const secret = openSecret(keyring, sealed, binding);
  const step = matchCode(secret, passCode, params, now.getTime(), { window: params.window });
  if (step === null) return { ok: false };
  return {
    ok: true,
    // Same owner binding, so the sealed secret moves over as it is, unless its key was rotated
    // since the enrollment started: then it moves to the active key.
    authenticator: { secret: resealSecret(keyring, sealed, secret, binding) ?? sealed, counter: step, data: storedCodeParams(params) },
  };
}

/**
 * Moves an authenticator sealed under a retired key to the active key, now that its secret is
 * open anyway. Conditional on the row still holding the old ciphertext, so a concurrent
 * reseal is never overwritten; the transaction already holds the row (advanceCounter).
 */
async function resealAfterRotation(tx: Queryable, keyring: SecretKeyring, a: Authenticator, secret: string): Promise<void> {
  const fresh = resealSecret(keyring, a.secret!, secret, secretBinding(a.tenantId, a.sub));
  if (fresh) await replaceSealedSecret(tx, 'authenticators', a.phId, a.secret!, fresh);
}

/**
 * Checks a sign-in code against every TOTP authenticator of the user. A code is accepted once:
 * its step is consumed with a conditional update, so a replay, or the same code sent twice at
 * once, is reported as replayed. Every authenticator is checked, matched or not, so timing does
 * not tell which one exists.
 */
export async function checkSignInCode(tx: Queryable, ctx: SignInContext, passCode: string): Promise<CodeCheck> {
  const keyring = ctx.deps.config.secretKeyring;
  const authenticators = await listAuthenticators(tx, ctx.subject.tenantId, ctx.subject.sub, ctx.type);
  if (authenticators.length === 0) return { outcome: 'refused', error: new VerificationError('NO_AUTHENTICATOR') };

  let matched: { authenticator: Authenticator; secret: string; step: number } | undefined;
  let replayed: string | undefined;
  const unreadable: unknown[] = [];
  for (const a of authenticators) {
    let secret: string;
    try {
      secret = openSecret(keyring, a.secret!, secretBinding(a.tenantId, a.sub));
    } catch (err) {
      ctx.log.error({ phId: a.phId, err: err instanceof Error ? err.message : String(err) }, 'authenticator secret cannot be decrypted');
      unreadable.push(err);
      continue;
    }
    const params = readCodeParams(a.data);
    const step = matchCode(secret, passCode, params, ctx.now.getTime(), { window: params.window });
    if (step === null) continue;
    if (step <= a.counter) replayed ??= a.phId;
    else matched ??= { authenticator: a, secret, step };
  }
  // Only when no authenticator is usable is this the operator's problem rather than a wrong code.
  if (unreadable.length === authenticators.length) throw unreadable[0];

  if (matched && (await advanceCounter(tx, matched.authenticator.phId, matched.step, ctx.now))) {
    await resealAfterRotation(tx, keyring, matched.authenticator, matched.secret);
    return { outcome: 'matched', phId: matched.authenticator.phId };
  }
  // A code that was valid once reveals nothing new about the secret: refuse it without
  // counting, so a double submit or a replayed code cannot push the real user into backoff.
  const usedBy = replayed ?? matched?.authenticator.phId;
  if (usedBy) return { outcome: 'replayed', phId: usedBy };
  return { outcome: 'wrong' };
}

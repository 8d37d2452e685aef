import { v4 as uuidv4 } from 'uuid';
import type { Queryable } from '../../db/database.ts';
import { failAfterCommit, succeed } from '../../db/outcome.ts';
import { VerificationError } from '../../errors/verification-error.ts';
import { listAuthenticators } from '../../authenticators/authenticator-repository.ts';
import { transition } from '../../exchanges/exchange-access.ts';
import type { Enrollment } from '../../exchanges/exchange.ts';
import type { VerificationType } from '../../tenants/verification-type.ts';
import { completeEnrollment, renewEnrollment, startEnrollment, type CompletionCheck } from '../flows/enrollment.ts';
import { defineOperation, type BodyOperation, type ExchangeOperation, type InitiationContext, type UserContext } from '../method-module.ts';
import { initiationBody, profileVerificationBody } from './bodies.ts';
import type { CodeChannel, Destination } from './code-channel.ts';
import type { CodeSettings } from './code-settings.ts';
import { readEnrolledDestination, readExchangeState, storedExchangeState } from './code-state.ts';
import { codeOffer, RESEND_COOLDOWN_SECONDS, type CodeOffer } from './offer.ts';
import { codeMatches } from './one-time-code.ts';
import { sendCode } from './send-code.ts';

/** Refuses a destination the user already has enrolled with this method (a second one would add nothing). */
async function refuseEnrolledDestination(tx: Queryable, ctx: UserContext, destination: Destination): Promise<void> {
  const enrolled = await listAuthenticators(tx, ctx.user.tenantId, ctx.user.sub, ctx.type);
  if (enrolled.some((a) => readEnrolledDestination(a.data).destination === destination.address)) {
    throw new VerificationError('DESTINATION_ALREADY_ENROLLED', `${destination.masked} is already one of your ${ctx.type} factors`);
  }
}

/**
 * Enrollment initiation: the destination normalised under the tenant's settings, then, in the
 * transaction of startEnrollment (rate limit, step-up, max devices), the first code sent.
 * Changing the destination is starting again with another one, which needs the same step-up.
 */
export function initiation<S extends CodeSettings, T extends VerificationType, F extends string>(ch: CodeChannel<S, T, F>) {
  const body = initiationBody(ch.destinationField, ch.destinationSchema);
  return defineOperation(ch.initiationDocumentedAs, body, async (ctx: InitiationContext, input): Promise<CodeOffer> => {
    const exchangeId = uuidv4();
    const raw = (input as Record<F, string>)[ch.destinationField];
    const { exchange } = await startEnrollment(ctx, ch.settings, async (settings, tx) => {
      const destination = ch.normalize(raw, settings);
      await refuseEnrolledDestination(tx, ctx, destination);
      const sent = await sendCode(tx, ctx, {
        channel: ch.channel,
        tenantId: ctx.user.tenantId,
        sub: ctx.user.sub,
        exchangeId,
        destination,
        settings,
        purpose: 'enrollment',
        lifetimeSeconds: settings.exchange_lifetime,
      });
      return { exchangeId, methodState: storedExchangeState(sent) };
    });
    return codeOffer(exchange, readExchangeState(exchange.methodState));
  });
}

/** Checks a typed code against the enrollment's latest one; a match enrolls its destination. */
function checkEnrollmentCode(ctx: UserContext, enrollment: Enrollment, passCode: string): CompletionCheck {
  const state = readExchangeState(enrollment.methodState);
  if (!codeMatches(ctx.deps.config.secretKeyring, state.mac, enrollment.exchangeId, passCode)) return { ok: false };
  return { ok: true, authenticator: { secret: null, counter: 0, data: { destination: state.destination, masked: state.masked } } };
}

/**
 * `CodeProfileVerification`: the code the user received completes the enrollment. The shared
 * completion counts wrong codes (the fifth fails it; a resend never resets them), and of racing
 * completions exactly one wins.
 */
export function verification<S extends CodeSettings, T extends VerificationType, F extends string>(
  ch: CodeChannel<S, T, F>,
): BodyOperation<UserContext, Awaited<ReturnType<typeof completeEnrollment>>> {
  return defineOperation('CodeProfileVerification', profileVerificationBody, (ctx: UserContext, body) =>
    completeEnrollment(ctx, {
      settings: ch.settings,
      exchangeId: body.exchange_id,
      via: { path: 'profile', owner: { tenantId: ctx.user.tenantId, sub: ctx.user.sub } },
      check: async (_tx, enrollment) => checkEnrollmentCode(ctx, enrollment, body.pass_code),
    }),
  );
}

function tooSoon(seconds: number): VerificationError {
  return new VerificationError('RESEND_TOO_SOON', `a code was sent moments ago; ask again in ${seconds} s`, { retryAfterS: seconds });
}

/**
 * Resend: a new code to the same destination, once the cooldown since the last one passed and
 * within the send caps. The new code replaces the old one, the lifetime starts again (watchers
 * see the new `expires_at`), and the wrong codes counted so far stay counted.
 */
export function resend<S extends CodeSettings, T extends VerificationType, F extends string>(ch: CodeChannel<S, T, F>): ExchangeOperation<UserContext, CodeOffer> {
  return {
    handle(ctx, exchangeId) {
      // Renewed like a rotation (counted as an initiation, same lock and transition), but the exchange id stays.
      return renewEnrollment(ctx, exchangeId, async (tx, enrollment) => {
        const previous = readExchangeState(enrollment.methodState);
        const wait = Math.ceil((previous.sentAt.getTime() + RESEND_COOLDOWN_SECONDS * 1000 - ctx.now.getTime()) / 1000);
        if (wait > 0) return failAfterCommit(tooSoon(wait));
        const settings = await ch.settings.requireActive(ctx.deps.tenantMethods.via(tx), enrollment.tenantId);
        const sent = await sendCode(tx, ctx, {
          channel: ch.channel,
          tenantId: enrollment.tenantId,
          sub: enrollment.sub,
          exchangeId: enrollment.exchangeId,
          destination: { address: previous.destination, masked: previous.masked },
          settings,
          purpose: 'enrollment',
          lifetimeSeconds: settings.exchange_lifetime,
          sentBefore: previous.sends,
        });
        const renewed = await transition(tx, enrollment, 'rotate', ctx, {
          methodState: storedExchangeState(sent),
          expiresAt: new Date(ctx.now.getTime() + settings.exchange_lifetime * 1000),
        });
        return succeed(codeOffer(renewed, sent));
      });
    },
  };
}

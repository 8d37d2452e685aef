import { v4 as uuidv4 } from 'uuid';
import { secretBinding } from '../../authenticators/secret-binding.ts';
import { generateSecret, sealSecret } from '../../otp/index.ts';
import { completeEnrollment, rotateEnrollment, startEnrollment } from '../flows/enrollment.ts';
import { defineOperation, type AppContext, type ExchangeOperation, type InitiationContext, type UserContext } from '../method-module.ts';
import { enrollBody, initiationBody, profileVerificationBody } from './bodies.ts';
import { checkFirstCode } from './codes.ts';
import { presentOffer, type EnrollmentOffer, type Presentation } from './offer.ts';
import { codeParamsOf, readCodeParams, storedCodeParams, totpSettings, type TotpSettings } from './settings.ts';

/** How the user and the service appear in the authenticator app. */
function presentation(ctx: UserContext, settings: TotpSettings): Presentation {
  return {
    issuer: settings.issuer ?? ctx.user.tenantId,
    tenantKey: ctx.user.tenantId,
    displayName: ctx.user.displayName,
    logoUrl: ctx.origin.logoUrl,
    baseUrl: ctx.origin.baseUrl,
  };
}

/**
 * Starts an enrollment: a new 160-bit secret, sealed at rest, the tenant's code parameters
 * fixed for it, and the QR code of its otpauth URI.
 */
export const initiate = defineOperation('TotpInitiation', initiationBody, async (ctx: InitiationContext, body) => {
  const secret = generateSecret();
  const { exchange, settings } = await startEnrollment(ctx, totpSettings, (current) => ({
    secret: sealSecret(ctx.deps.config.secretKeyring, secret, secretBinding(ctx.user.tenantId, ctx.user.sub)),
    methodState: storedCodeParams(codeParamsOf(current)),
    authenticatorClientId: body.client_id ?? uuidv4(),
  }));
  return presentOffer(exchange, readCodeParams(exchange.methodState), secret, presentation(ctx, settings), ctx.qr);
});

/** Profile-UI path: the signed-in user types the first code from any authenticator app. */
export const verify = defineOperation('TotpProfileVerification', profileVerificationBody, (ctx: UserContext, body) =>
  completeEnrollment(ctx, {
    settings: totpSettings,
    exchangeId: body.exchange_id,
    via: { path: 'profile', owner: { tenantId: ctx.user.tenantId, sub: ctx.user.sub } },
    check: async (_tx, enrollment) => checkFirstCode(ctx.deps.config.secretKeyring, enrollment, body.pass_code, ctx.now),
  }),
);

/** Companion-app path: the device that scanned the code proves it holds the secret. */
export const enroll = defineOperation('TotpEnroll', enrollBody, (ctx: AppContext, body) =>
  completeEnrollment(ctx, {
    settings: totpSettings,
    exchangeId: body.exchange_id,
    via: { path: 'app', device: { clientId: body.client_id, deviceId: body.device_id, pushId: body.push_id, publicKey: body.public_key } },
    check: async (_tx, enrollment) => checkFirstCode(ctx.deps.config.secretKeyring, enrollment, body.pass_code, ctx.now),
  }),
);

/**
 * A new secret and exchange id for a live enrollment (its code parameters stay those fixed at
 * initiation), and the QR code of its new URI.
 */
export const rotate: ExchangeOperation<UserContext, EnrollmentOffer> = {
  async handle(ctx, exchangeId) {
    const secret = generateSecret();
    const { exchange, settings } = await rotateEnrollment(ctx, totpSettings, exchangeId, (enrollment) => ({
      secret: sealSecret(ctx.deps.config.secretKeyring, secret, secretBinding(enrollment.tenantId, enrollment.sub)),
    }));
    return presentOffer(exchange, readCodeParams(exchange.methodState), secret, presentation(ctx, settings), ctx.qr);
  },
};

import type { Enrollment } from '../../exchanges/exchange.ts';
import { buildOtpauthUri, buildStandardOtpauthUri, renderQr, type QrFormat } from '../../otp/index.ts';
import type { CodeParams } from '../../otp/totp.ts';
import { exchangeOffer } from '../flows/enrollment.ts';
import type { ExchangeOffer } from '../method-module.ts';

/** Who the enrollment is presented as, in the authenticator app. */
export interface Presentation {
  issuer: string;
  displayName: string;
  tenantKey: string;
  logoUrl?: string;
  baseUrl?: string;
}

/** The TOTP initiation (and rotation) response: everything the profile UI needs to show the QR code. */
export interface EnrollmentOffer extends ExchangeOffer {
  sub: string;
  authenticator_client_id: string;
  totp_secret: string;
  otpauth_uri: string;
  /** The same secret and settings with only the Key Uri Format parameters, for strict parsers. */
  otpauth_uri_standard: string;
  /** A PNG or SVG data URL of `otpauth_uri`; absent when the caller asked for none (`?qr=none`). */
  qr_code?: string;
}

// A ':' separates issuer and account in the label; apps would misread one inside a name.
const labelSafe = (text: string) => text.replace(/:/g, ' ').trim() || '-';
// Parsers that percent-decode the whole URI first also end the label at a '?' or '#'.
const strictLabelSafe = (text: string) => text.replace(/[:?#]/g, ' ').trim() || '-';

/**
 * Builds the extended otpauth URI (DESIGN §5) and its QR code (as `qr` asks) for a fresh
 * secret, plus the standard-only URI for apps and libraries that refuse cidaas' extra parameters.
 */
export function presentOffer(enrollment: Enrollment, params: CodeParams, secret: string, p: Presentation, qr: QrFormat): EnrollmentOffer {
  const clientId = enrollment.authenticatorClientId!;
  const uri = buildOtpauthUri({
    secret,
    issuer: labelSafe(p.issuer),
    accountName: labelSafe(p.displayName),
    algorithm: params.algorithm,
    digits: params.digits,
    period: params.period,
    type: 'totp',
    displayName: p.displayName,
    tenantKey: p.tenantKey,
    logoUrl: p.logoUrl,
    sub: enrollment.sub,
    clientId,
    baseUrl: p.baseUrl,
    exchangeId: enrollment.exchangeId,
  });
  return {
    ...exchangeOffer(enrollment),
    sub: enrollment.sub,
    authenticator_client_id: clientId,
    totp_secret: secret,
    otpauth_uri: uri,
    otpauth_uri_standard: buildStandardOtpauthUri({
      secret,
      issuer: strictLabelSafe(p.issuer),
      accountName: strictLabelSafe(p.displayName),
      algorithm: params.algorithm,
      digits: params.digits,
      period: params.period,
    }),
    ...(qr === 'none' ? {} : { qr_code: renderQr(uri, qr) }),
  };
}

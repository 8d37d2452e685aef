import type { Enrollment } from '../../exchanges/exchange.ts';
import { renderQr } from '../../otp/index.ts';
import { exchangeOffer } from '../flows/enrollment.ts';
import type { ExchangeOffer, UserContext } from '../method-module.ts';
import type { PushSettings } from './settings.ts';

/** The PUSH initiation response: what the profile UI shows as a QR code for the companion app. */
export interface PushEnrollmentOffer extends ExchangeOffer {
  sub: string;
  authenticator_client_id: string;
  push_uri: string;
  /** A PNG or SVG data URL of `push_uri`; absent when the caller asked for none (`?qr=none`). */
  qr_code?: string;
}

// A ':' separates issuer and account in the label; the app would misread one inside a name.
const labelSafe = (text: string) => encodeURIComponent(text.replace(/:/g, ' ').trim() || '-');

/**
 * `otpauth://push/{tenant}:{name}?t=push&issuer=…&tk=…&sub=…&cid=…&burl=…&eid=…` (DESIGN §10):
 * the extras of §5, no secret; every value percent-encoded (spaces as `%20`).
 */
function buildPushUri(enrollment: Enrollment, ctx: UserContext, settings: PushSettings): string {
  const issuer = settings.issuer ?? ctx.user.tenantId;
  const params: [string, string | undefined][] = [
    ['t', 'push'],
    ['issuer', issuer],
    ['d', ctx.user.displayName],
    ['tk', ctx.user.tenantId],
    ['l', ctx.origin.logoUrl],
    ['sub', enrollment.sub],
    ['cid', enrollment.authenticatorClientId ?? undefined],
    ['burl', ctx.origin.baseUrl],
    ['eid', enrollment.exchangeId],
  ];
  const query = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `otpauth://push/${labelSafe(issuer)}:${labelSafe(ctx.user.displayName)}?${query}`;
}

/** The offer for a new enrollment: its ids, the URI and its QR code (as `?qr=` asks). */
export async function presentPushOffer(enrollment: Enrollment, ctx: UserContext, settings: PushSettings): Promise<PushEnrollmentOffer> {
  const uri = buildPushUri(enrollment, ctx, settings);
  return {
    ...exchangeOffer(enrollment),
    sub: enrollment.sub,
    authenticator_client_id: enrollment.authenticatorClientId!,
    push_uri: uri,
    ...(ctx.qr === 'none' ? {} : { qr_code: renderQr(uri, ctx.qr) }),
  };
}

import { GSM7_SEGMENT_SEPTETS, gsm7Length, toGsm7 } from './gsm7.ts';
import { describeLifetime, type MessageFacts, type SmsMessage } from './message.ts';

/** Tenant names longer than this are cut in an SMS (a segment has 160 septets for everything). */
const MAX_TENANT_CHARS = 40;

/**
 * The WebOTP / origin-bound one-time code line (WICG sms-one-time-codes): `@host #code` as the
 * last line lets browsers offer the code only on that site, which defeats phishing pages.
 */
function originBoundLine(publicBaseUrl: string | undefined, code: string): string | undefined {
  if (!publicBaseUrl) return undefined;
  const host = new URL(publicBaseUrl).hostname;
  return host ? `@${host} #${code}` : undefined;
}

function cut(name: string, chars: number): string {
  return name.length <= chars ? name : name.slice(0, chars).trimEnd();
}

/**
 * The SMS for a code: one GSM-7 segment (≤ 160 septets) always. The tenant name is transliterated
 * to GSM-7 and the wording shortened step by step until it fits; the origin-bound line
 * (`@host #code`) ends the message when `publicBaseUrl` is set and anything fits beside it.
 *
 * @example
 * ```ts
 * composeSms(facts, 'https://login.example.com').text;
 * // "123456 is your Acme verification code. It expires in 10 minutes. Do not share it.\n\n@login.example.com #123456"
 * ```
 */
export function composeSms(facts: MessageFacts, publicBaseUrl: string | undefined): SmsMessage {
  const { code } = facts;
  const tenant = toGsm7(facts.tenantName);
  const lifetime = describeLifetime(facts.lifetimeSeconds);
  const whose = (name: string) => (name ? `your ${name}` : 'your');
  const candidates = [
    (name: string) => `${code} is ${whose(name)} verification code. It expires in ${lifetime}. Do not share it.`,
    (name: string) => `${code} is ${whose(name)} verification code. It expires in ${lifetime}.`,
    (name: string) => `${code} is ${whose(name)} code. Valid ${lifetime}.`,
  ];
  const names = [cut(tenant, MAX_TENANT_CHARS), cut(tenant, 20), ''];
  const origin = originBoundLine(publicBaseUrl, code);
  const withOrigin = (body: string) => (origin ? `${body}\n\n${origin}` : body);

  for (const name of names) {
    for (const candidate of candidates) {
      const text = withOrigin(candidate(name));
      const septets = gsm7Length(text);
      if (septets !== undefined && septets <= GSM7_SEGMENT_SEPTETS) return { channel: 'sms', to: facts.to, text, code };
    }
  }
  // Only a host name too long for one segment gets here: the plain code still fits.
  return { channel: 'sms', to: facts.to, text: `${code} is your verification code.`, code };
}

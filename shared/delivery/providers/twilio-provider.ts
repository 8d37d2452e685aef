import type { TwilioConfig } from '../../config/delivery-config.ts';
import type { AddressPolicy } from '../../outbound/address-guard.ts';
import { sendOutbound, USER_AGENT } from '../../outbound/outbound-request.ts';
import type { ComposedMessage } from '../message.ts';
import { attemptFromHttp, stringMember, type MessageProvider } from './message-provider.ts';

/** Twilio's error document: `{code, message, more_info, status}`. */
function describeTwilioError(body: unknown): string | undefined {
  const message = stringMember(body, 'message');
  const code = (body as { code?: unknown } | undefined)?.code;
  if (!message) return undefined;
  return typeof code === 'number' || typeof code === 'string' ? `${code} ${message}` : message;
}

/**
 * SMS through Twilio's Programmable Messaging API: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded `To`, `Body` and `From` (or `MessagingServiceSid`), HTTP basic auth with the
 * account SID and auth token (or an API key SID and secret). Twilio answers `201` with the
 * message resource, whose `sid` is recorded.
 */
export function twilioProvider(config: TwilioConfig, policy: AddressPolicy): MessageProvider {
  const url = `${config.apiBase}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(message: ComposedMessage, { signal }) {
      if (message.channel !== 'sms') return { outcome: 'failed', error: 'twilio sends SMS only' };
      const form = new URLSearchParams({ To: message.to, Body: message.text });
      if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
      else form.set('From', config.from!);
      const outcome = await sendOutbound(
        {
          url,
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'user-agent': USER_AGENT,
          },
          body: form.toString(),
          signal,
        },
        policy,
      );
      return attemptFromHttp(outcome, 'twilio', message.code, (body) => stringMember(body, 'sid'), describeTwilioError);
    },
  };
}


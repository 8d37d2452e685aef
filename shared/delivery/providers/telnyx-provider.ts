import type { TelnyxConfig } from '../../config/delivery-config.ts';
import type { AddressPolicy } from '../../outbound/address-guard.ts';
import { sendOutbound, USER_AGENT } from '../../outbound/outbound-request.ts';
import type { ComposedMessage } from '../message.ts';
import { attemptFromHttp, stringMember, type MessageProvider } from './message-provider.ts';

/** Telnyx's error document: `{errors: [{code, title, detail}]}`. */
function describeTelnyxError(body: unknown): string | undefined {
  const first = (body as { errors?: unknown[] } | undefined)?.errors?.[0];
  const code = stringMember(first, 'code');
  const text = stringMember(first, 'detail') ?? stringMember(first, 'title');
  if (!text) return undefined;
  return code ? `${code} ${text}` : text;
}

/**
 * SMS through Telnyx's Messaging API v2: `POST {base}/v2/messages` with JSON `{from, to, text}`
 * (or `messaging_profile_id` to send from the profile's number pool), `Authorization: Bearer
 * <API key>`. Telnyx answers `200 {data: {id, …}}`; `data.id` is recorded.
 */
export function telnyxProvider(config: TelnyxConfig, policy: AddressPolicy): MessageProvider {
  const url = `${config.apiBase}/v2/messages`;
  return {
    name: 'telnyx',
    async send(message: ComposedMessage, { signal }) {
      if (message.channel !== 'sms') return { outcome: 'failed', error: 'telnyx sends SMS only' };
      const payload: Record<string, string> = { to: message.to, text: message.text };
      if (config.from) payload.from = config.from;
      if (config.messagingProfileId) payload.messaging_profile_id = config.messagingProfileId;
      const outcome = await sendOutbound(
        {
          url,
          headers: {
            authorization: `Bearer ${config.apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': USER_AGENT,
          },
          body: JSON.stringify(payload),
          signal,
        },
        policy,
      );
      const idOf = (body: unknown) => stringMember((body as { data?: unknown } | undefined)?.data, 'id');
      return attemptFromHttp(outcome, 'telnyx', message.code, idOf, describeTelnyxError);
    },
  };
}

import type { Exchange } from '../../exchanges/exchange.ts';
import { exchangeOffer } from '../flows/enrollment.ts';
import type { ExchangeOffer } from '../method-module.ts';
import type { CodeExchangeState } from './code-state.ts';

/** The resend cooldown: a code may be sent again this long after the previous one (DESIGN §11). */
export const RESEND_COOLDOWN_SECONDS = 30;

/** What a code method's initiation and resend answer: where the code went (masked) and when another may be asked for. */
export interface CodeOffer extends ExchangeOffer {
  destination: string;
  resend_after: string;
}

export function codeOffer(exchange: Exchange, state: CodeExchangeState): CodeOffer {
  return {
    ...exchangeOffer(exchange),
    destination: state.masked,
    resend_after: new Date(state.sentAt.getTime() + RESEND_COOLDOWN_SECONDS * 1000).toISOString(),
  };
}

import type { AttemptResult } from '../../outbox/outbox-entry.ts';
import type { OutboundOutcome } from '../../outbound/outbound-request.ts';
import type { ComposedMessage } from '../message.ts';

/** One attempt's context: the outbox row id (stable across retries) and the abort signal. */
export interface SendContext {
  messageId: string;
  signal: AbortSignal;
}

/**
 * Sends composed messages somewhere. `send` never throws: every failure is an outcome the
 * outbox records (retry or give up), so no provider failure reaches a client as a 500.
 */
export interface MessageProvider {
  readonly name: string;
  send(message: ComposedMessage, context: SendContext): Promise<AttemptResult>;
  close?(): Promise<void>;
}

/** Statuses worth trying again: the receiver is busy, rate-limiting or broken for now. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Seconds or an HTTP date in `Retry-After`, as milliseconds. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Turns an HTTP exchange with a provider into an attempt result: 2xx delivered (with the id
 * `messageIdOf` finds in the answer), 408/425/429/5xx and network trouble retried, other 4xx
 * given up (the request itself is wrong: retrying cannot help), an address the guard refused
 * given up. `describeError` renders the provider's error document; `code` is scrubbed from
 * anything recorded, in case a receiver echoes the message.
 */
export function attemptFromHttp(
  outcome: OutboundOutcome,
  provider: string,
  code: string,
  messageIdOf: (body: unknown) => string | undefined,
  describeError: (body: unknown) => string | undefined = () => undefined,
): AttemptResult {
  const scrub = (text: string) => (code ? text.split(code).join('[code]') : text);
  if (outcome.kind === 'error') {
    const error = scrub(`${provider}: ${outcome.error}: ${outcome.message}`);
    const permanent = outcome.error === 'address_refused' || outcome.error === 'invalid_url';
    return permanent ? { outcome: 'failed', error } : { outcome: 'retry', error };
  }
  const body = parseJson(outcome.body);
  if (outcome.status >= 200 && outcome.status < 300) {
    return { outcome: 'delivered', httpStatus: outcome.status, providerMessageId: messageIdOf(body) };
  }
  const detail = describeError(body) ?? outcome.excerpt.replace(/\s+/g, ' ').trim();
  const error = scrub(`${provider} answered ${outcome.status}${detail ? `: ${detail}` : ''}`);
  if (RETRYABLE_STATUSES.has(outcome.status) || outcome.status >= 500) {
    return { outcome: 'retry', httpStatus: outcome.status, error, retryAfterMs: retryAfterMs(outcome.headers['retry-after']) };
  }
  return { outcome: 'failed', httpStatus: outcome.status, error };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `value[key]` when `value` is an object and that member is a non-empty string. */
export function stringMember(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const member = (value as Record<string, unknown>)[key];
  return typeof member === 'string' && member.length > 0 ? member : undefined;
}

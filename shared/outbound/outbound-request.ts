import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AddressRefusedError, isAddressAllowed, type AddressPolicy } from './address-guard.ts';
import { signWebhook } from './sign-webhook.ts';

/** Standard Webhooks and DESIGN §17 give receivers 15 seconds. */
export const OUTBOUND_TIMEOUT_MS = 15_000;
/** How much of a response body is read; providers answer in a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;
const EXCERPT_CHARS = 300;

/** Why an outbound request got no HTTP answer. */
export type OutboundErrorKind = 'invalid_url' | 'address_refused' | 'dns' | 'connect' | 'tls' | 'timeout' | 'network';

export interface OutboundRequest {
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * What became of an outbound request. Never thrown: a receiver that is down, slow or refused
 * is an outcome the caller records, not an exception that could turn into a 500.
 */
export type OutboundOutcome =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: string; excerpt: string; durationMs: number }
  | { kind: 'error'; error: OutboundErrorKind; message: string; durationMs: number };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves the name and refuses it when any address it
 * resolves to is off limits. The socket connects to exactly the address checked here, so a
 * name that resolves differently a second time (DNS rebinding) cannot slip past the check.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !isAddressAllowed(a.address, policy));
      if (refused) return callback(new AddressRefusedError(hostname, refused.address) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

function errorKind(err: NodeJS.ErrnoException): OutboundErrorKind {
  if (err instanceof AddressRefusedError) return 'address_refused';
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connect';
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'EPROTO') return 'tls';
  return 'network';
}

const since = (started: number) => Math.round(performance.now() - started);

/**
 * Sends one request with the address guard enforced on the connected address, a hard deadline
 * for the whole exchange (connect, send, answer), no redirects followed, and a bounded read of
 * the answer.
 *
 * @example
 * ```ts
 * const outcome = await sendOutbound({ url, headers: { 'content-type': 'application/json' }, body }, policy);
 * if (outcome.kind === 'response' && outcome.status < 300) markDelivered();
 * ```
 */
export function sendOutbound(request: OutboundRequest, policy: AddressPolicy): Promise<OutboundOutcome> {
  const started = performance.now();
  let url: URL;
  try {
    url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('only http and https URLs');
  } catch (err) {
    return Promise.resolve({ kind: 'error', error: 'invalid_url', message: (err as Error).message, durationMs: 0 });
  }
  // A literal address is connected to without a lookup, so it is checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !isAddressAllowed(literal, policy)) {
    return Promise.resolve({ kind: 'error', error: 'address_refused', message: new AddressRefusedError(literal, literal).message, durationMs: 0 });
  }

  if (request.signal?.aborted) return Promise.resolve({ kind: 'error', error: 'network', message: 'the request was abandoned', durationMs: 0 });

  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: OutboundOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const fail = (error: OutboundErrorKind, message: string) => finish({ kind: 'error', error, message, durationMs: since(started) });

    const transport = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = transport.request(url, {
        method: request.method ?? 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: guardedLookup(policy),
      });
    } catch (err) {
      // e.g. a header value Node refuses: still an outcome, never a throw.
      resolve({ kind: 'error', error: 'network', message: (err as Error).message, durationMs: since(started) });
      return;
    }
    const timeoutMs = request.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
    const timer = setTimeout(() => {
      fail('timeout', `no complete answer within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      fail('network', 'the request was abandoned');
      req.destroy();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (err: NodeJS.ErrnoException) => fail(errorKind(err), err.message));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail(errorKind(err), err.message));
      res.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
        finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body, excerpt: body.slice(0, EXCERPT_CHARS), durationMs: since(started) });
      });
    });
    req.end(request.body);
  });
}

export interface SignedJsonPost {
  url: string;
  /** The webhook id: the same on every retry of one message. */
  id: string;
  payload: unknown;
  secrets: readonly string[];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * POSTs `payload` as JSON signed per Standard Webhooks (DESIGN §13). The timestamp is the wall
 * clock of this attempt: receivers compare it with theirs, whatever clock the caller runs on.
 */
export function postSignedJson(post: SignedJsonPost, policy: AddressPolicy): Promise<OutboundOutcome> {
  const body = JSON.stringify(post.payload);
  const signature = signWebhook({ id: post.id, timestamp: new Date(), body, secrets: post.secrets });
  return sendOutbound(
    {
      url: post.url,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...post.headers, ...signature },
      body,
      signal: post.signal,
    },
    policy,
  );
}

/** How the service names itself to receivers and providers. */
export const USER_AGENT = 'verification-service/0.1';

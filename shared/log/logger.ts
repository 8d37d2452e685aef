import { pino, type Logger, type DestinationStream } from 'pino';
import { bufferedDestination } from './buffered-destination.ts';

export type { Logger };

/**
 * Paths that could carry a credential, a TOTP secret or a code. pino replaces them before a
 * line is written, as a second line of defence: the code never logs bodies in the first place.
 */
const SENSITIVE_KEYS = ['authorization', 'cookie', 'token', 'secret', 'totp_secret', 'pass_code', 'otpauth_uri', 'otpauth_uri_standard', 'qr_code', 'exchange_id'];
// Exact paths only: wildcards make pino check every key of every line, a third of the cost of
// the access log. Sensitive values are top-level keys, or sit under a request or body.
const REDACTED_PATHS = [
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((key) => `body.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

let stampedMs = 0;
let stamp = '';
/**
 * pino's isoTime, formatted once per millisecond rather than once per line: under load many
 * access lines share a millisecond, and toISOString was the costliest step of writing one.
 */
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * JSON logger, to standard output through an asynchronous buffered destination (see
 * bufferedDestination); `destination` lets tests capture every line.
 */
export function createLogger(level: string, destination: DestinationStream = bufferedDestination()): Logger {
  return pino(
    {
      level,
      base: { service: 'verification' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: isoTimeOncePerMs,
    },
    destination,
  );
}

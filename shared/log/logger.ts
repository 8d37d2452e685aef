import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths that could carry a credential, a TOTP secret or a code. pino replaces them before a
 * line is written, as a second line of defence: the code never logs bodies in the first place.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.totp_secret',
  '*.pass_code',
  '*.otpauth_uri',
  '*.qr_code',
  '*.exchange_id',
];

/** JSON logger; `destination` lets tests capture every line. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'verification' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

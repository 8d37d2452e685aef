import { errorCatalog, type ErrorCode, type ErrorName } from './catalog.ts';

export interface ErrorOptions {
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Record<string, string>;
  /** Extra members of the problem document (never secrets). */
  extensions?: Record<string, unknown>;
  /** When to come back, in seconds: sent as `Retry-After` and as `retry_after` in the body. */
  retryAfterS?: number;
  cause?: unknown;
}

/**
 * The one error type the domain raises. `name` narrows to the catalog entry, so callers can
 * switch on it; the HTTP layer renders it once as problem+json.
 */
export class VerificationError<N extends ErrorName = ErrorName> extends Error {
  override readonly name: N;
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Only client errors are shown as they are; anything else is rendered as a plain 500. */
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(name: N, detail?: string, options: ErrorOptions = {}) {
    const entry = errorCatalog[name];
    super(detail ?? entry.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.code = entry.code;
    this.status = entry.status;
    this.title = entry.title;
    this.expose = entry.status < 500;
    const { retryAfterS } = options;
    this.headers = retryAfterS === undefined ? (options.headers ?? {}) : { ...options.headers, 'Retry-After': String(retryAfterS) };
    this.extensions = retryAfterS === undefined ? (options.extensions ?? {}) : { ...options.extensions, retry_after: retryAfterS };
  }
}

export function isVerificationError(err: unknown): err is VerificationError {
  return err instanceof VerificationError;
}

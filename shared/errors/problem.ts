import { errorCatalog } from './catalog.ts';
import { isVerificationError } from './verification-error.ts';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [extension: string]: unknown;
}

export interface RenderedProblem {
  status: number;
  headers: Record<string, string>;
  body: ProblemDocument;
}

const TYPE_BASE = 'urn:verification-srv:problem:';

/**
 * Turns anything thrown into the problem+json a client sees. Unexposed errors become a plain
 * 500 with no message, so a stack or a driver message never reaches a client.
 */
export function toProblem(err: unknown): RenderedProblem {
  if (isVerificationError(err) && err.expose) {
    return {
      status: err.status,
      headers: err.headers,
      body: {
        ...err.extensions,
        type: TYPE_BASE + err.code,
        title: err.title,
        status: err.status,
        code: err.code,
        detail: err.message,
      },
    };
  }
  const entry = isVerificationError(err) ? errorCatalog[err.name] : errorCatalog.INTERNAL;
  return {
    status: entry.status,
    headers: isVerificationError(err) ? err.headers : {},
    body: { type: TYPE_BASE + entry.code, title: entry.title, status: entry.status, code: entry.code, detail: entry.title },
  };
}

import { VerificationError, isVerificationError } from '../../errors/verification-error.ts';
import { toProblem } from '../../errors/problem.ts';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import type { AppContext } from '../types.ts';

interface HttpLikeError {
  status?: number;
  type?: string;
  expose?: boolean;
}

/** Maps errors raised by Koa and its body parser to the catalog. */
function fromFramework(err: unknown): unknown {
  if (isVerificationError(err) || typeof err !== 'object' || err === null) return err;
  const { status, type } = err as HttpLikeError;
  if (type === 'entity.too.large' || status === 413) return new VerificationError('PAYLOAD_TOO_LARGE');
  // co-body reports bad JSON as a bare SyntaxError with status 400 and no `type`.
  if (type === 'entity.parse.failed' || (err instanceof SyntaxError && status === 400)) return new VerificationError('MALFORMED_JSON');
  if (type === 'encoding.unsupported' || status === 415) return new VerificationError('UNSUPPORTED_MEDIA_TYPE');
  if (type === 'request.aborted') return new VerificationError('INVALID_REQUEST', 'the request was aborted');
  if (status === 400) return new VerificationError('INVALID_REQUEST');
  if (isDatabaseUnavailable(err)) return new VerificationError('SERVICE_UNAVAILABLE', undefined, { headers: { 'Retry-After': '5' }, cause: err });
  return err;
}

function unavailableReason(err: unknown): string {
  const cause = isVerificationError(err) ? err.cause : err;
  return cause instanceof Error ? cause.message : isVerificationError(err) ? err.message : String(cause);
}

/** The only place an error becomes a response: problem+json, with no stack and no internals. */
export function renderError(ctx: AppContext, raw: unknown): void {
  const err = fromFramework(raw);
  const problem = toProblem(err);
  // Unavailability is expected under overload (pool exhausted): one short line, no stack.
  if (problem.status === 503) ctx.state.log.warn({ reason: unavailableReason(err) }, 'request refused: service unavailable');
  else if (problem.status >= 500) ctx.state.log.error({ err }, 'request failed');
  ctx.status = problem.status;
  ctx.set(problem.headers);
  ctx.type = 'application/problem+json';
  ctx.body = problem.body;
}

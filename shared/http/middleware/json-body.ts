import type { Middleware, ParameterizedContext } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { VerificationError } from '../../errors/verification-error.ts';
import type { AppState } from '../types.ts';

/** Content codings a body may arrive in (RFC 9110 §8.4.1); the body parser decodes them. */
const CONTENT_CODINGS = new Set(['identity', 'gzip', 'x-gzip', 'deflate', 'br']);

/** Whether the request carries a body: a length, or a chunked one. */
function hasBody(ctx: ParameterizedContext): boolean {
  return ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
}

/**
 * Whether `err`, raised while a coded body was read, is the decoder refusing the bytes: zlib and
 * brotli errors carry no HTTP status, unlike the parser's own (size limit, bad JSON, abort).
 */
function isDecodingFailure(err: unknown): boolean {
  return err instanceof Error && (err as { status?: unknown }).status === undefined;
}

/**
 * Parses JSON bodies up to `limitBytes` (counted after decoding, so a compressed bomb is a
 * 413). A body of any other type is refused rather than silently read as empty; a body in a
 * coding other than identity, gzip, deflate or br is a 415; one that does not decode
 * (garbage, or a stream cut short) is a 400 `BODY_NOT_DECODABLE`, never a 500.
 */
export function jsonBody(limitBytes: number): Middleware<AppState> {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limitBytes, encoding: 'utf-8' });
  const readBody: Middleware<AppState> = async (ctx, next) => {
    if (!hasBody(ctx)) return parse(ctx as never, next);
    if (!ctx.is('application/json', 'application/*+json')) throw new VerificationError('UNSUPPORTED_MEDIA_TYPE');
    const declared = ctx.request.length;
    if (Number.isFinite(declared) && declared > limitBytes) throw new VerificationError('PAYLOAD_TOO_LARGE');
    // Codings are case-insensitive; the decoder underneath only knows the lower-case names.
    const coding = (ctx.get('content-encoding').trim() || 'identity').toLowerCase();
    if (!CONTENT_CODINGS.has(coding)) {
      throw new VerificationError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding must be identity, gzip, deflate or br');
    }
    ctx.req.headers['content-encoding'] = coding === 'x-gzip' ? 'gzip' : coding;

    // Only failures while reading the body are the body's; the routes' own errors pass through.
    let read = false;
    try {
      await parse(ctx as never, async () => {
        read = true;
      });
    } catch (err) {
      if (!read && coding !== 'identity' && isDecodingFailure(err)) {
        throw new VerificationError('BODY_NOT_DECODABLE', `the body is not valid ${coding} data`, { cause: err });
      }
      throw err;
    }
    await next();
  };
  // No route reads the body of a GET: polls pass straight through, not even through an async frame.
  return (ctx, next) => (ctx.method === 'GET' && !hasBody(ctx) ? next() : readBody(ctx, next));
}

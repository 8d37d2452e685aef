import type { Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { VerificationError } from '../../errors/verification-error.ts';
import type { AppState } from '../types.ts';

/**
 * Parses JSON bodies up to `limitBytes`. A body of any other type is refused, rather than
 * silently read as empty.
 */
export function jsonBody(limitBytes: number): Middleware<AppState> {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limitBytes, encoding: 'utf-8' });
  return async (ctx, next) => {
    const hasBody = ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !ctx.is('application/json', 'application/*+json')) throw new VerificationError('UNSUPPORTED_MEDIA_TYPE');
    const declared = ctx.request.length;
    if (Number.isFinite(declared) && declared > limitBytes) throw new VerificationError('PAYLOAD_TOO_LARGE');
    await parse(ctx as never, next);
  };
}

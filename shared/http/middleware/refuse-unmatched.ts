import type { ParameterizedContext } from 'koa';
import { VerificationError } from '../../errors/verification-error.ts';

/**
 * After the routers ran: an unknown route or method ends as problem+json (404 VER_0005, 405
 * VER_0006 with `Allow`). A route that answered (a body, even an empty 304) is left alone.
 */
export function refuseUnmatched(ctx: ParameterizedContext): void {
  if (ctx.body != null) return;
  if (ctx.status === 404) throw new VerificationError('ROUTE_NOT_FOUND');
  // The router sets `Allow` (required on a 405 by RFC 9110) only when it does not throw itself.
  if (ctx.status === 405 || ctx.status === 501) {
    throw new VerificationError('METHOD_NOT_ALLOWED', undefined, { headers: { Allow: ctx.response.get('Allow') } });
  }
}

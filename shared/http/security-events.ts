import type { SecurityEventRecorder } from '../security-events/index.ts';
import type { AppContext } from './types.ts';

/** The deps' recorder, bound to this request so every event it records names the request it came from. */
export function securityEventsFor(ctx: AppContext, recorder: SecurityEventRecorder): SecurityEventRecorder {
  return recorder.forRequest({
    requestId: ctx.state.requestId,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent') || undefined,
    actor: ctx.state.principal?.sub,
  });
}

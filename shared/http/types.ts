import type { ParameterizedContext } from 'koa';
import type Router from '@koa/router';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../log/logger.ts';
import type { RegisteredMethod } from '../methods/registry.ts';
import type { StepUp } from '../step-up/require-step-up.ts';

export interface AppState {
  requestId: string;
  log: Logger;
  principal?: Principal;
  /** Set by the stepUpProof middleware on routes that change factors. */
  stepUp?: StepUp;
  /** The method module the path names, on routers that resolve it (resolveMethodParam). */
  method?: RegisteredMethod;
  /**
   * Set by the routes a page calls again and again (the status poll, the method list): a
   * successful answer's access line follows `POLL_LOG_LEVEL`/`POLL_LOG_SAMPLE` (see
   * shared/http/access-log.ts).
   */
  routineRead?: boolean;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppRouter = Router<AppState>;

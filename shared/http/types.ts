import type { ParameterizedContext } from 'koa';
import type Router from '@koa/router';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../log/logger.ts';

export interface AppState {
  requestId: string;
  log: Logger;
  principal?: Principal;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppRouter = Router<AppState>;

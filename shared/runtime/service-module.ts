import type { Server } from 'node:http';
import type { AppRouter } from '../http/types.ts';
import type { Deps } from './deps.ts';

export interface Attachment {
  /** Ends the attachment's own connections (e.g. WebSockets) before the HTTP server drains. */
  close(): Promise<void>;
}

/** What a service contributes to a process: HTTP routes, and optionally something bound to the server. */
export interface ServiceModule {
  name: 'config' | 'actions' | 'status' | 'demo';
  routes(deps: Deps): AppRouter[];
  attach?(server: Server, deps: Deps): Attachment;
}

import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { AppState } from '../http/types.ts';

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one) and tracks connections so shutdown can drain them. */
export async function listen(app: Koa<AppState>, port: number, host: string): Promise<RunningServer> {
  const server = createServer(app.callback());
  // Long polls hold requests for up to 30 s; keep Node from cutting them at its defaults.
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections that finish their last request after close() would otherwise
        // linger until keepAliveTimeout; sweep them until the server is down.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

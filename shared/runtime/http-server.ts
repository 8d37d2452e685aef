import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { AppState } from '../http/types.ts';

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export interface ConnectionOptions {
  /** A connection with no request in progress is closed after this long without traffic. */
  idleTimeoutMs: number;
  /** Connections beyond this many are closed as soon as they are accepted. */
  maxConnections: number;
  /** Called for each connection refused because `maxConnections` were open. */
  onRefused?: () => void;
}

const DEFAULTS: ConnectionOptions = { idleTimeoutMs: 30_000, maxConnections: 10_000 };
// Long polls hold requests for up to 30 s once their headers are in: the request timeout only
// bounds receiving the request, so it never cuts them, but it must exceed the headers timeout.
const REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * Listens on `port` (0 picks a free one) and tracks connections so shutdown can drain them.
 *
 * Connections cost a file descriptor each, so none may sit idle for long: a connection that
 * sends nothing, or stops in the middle of its request line, headers or body, is closed after
 * `idleTimeoutMs` without traffic; one that trickles its headers is cut by the headers
 * timeout (the same span, checked a few times per span); one between two keep-alive requests
 * after the (shorter) keep-alive timeout. A request received whole and being answered (a long
 * poll) is not idle, and a WebSocket leaves HTTP altogether (the `ws` library clears the
 * timeout; its heartbeat takes over). At `maxConnections` open connections, new ones are
 * closed on accept while the open ones keep working.
 */
export async function listen(app: Koa<AppState>, port: number, host: string, options: ConnectionOptions = DEFAULTS): Promise<RunningServer> {
  const { idleTimeoutMs, maxConnections, onRefused } = options;
  const headersTimeout = Math.min(idleTimeoutMs, REQUEST_TIMEOUT_MS);
  const server = createServer(
    {
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeout),
      headersTimeout,
      // Node checks the headers and request timeouts only this often (30 s by default).
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(headersTimeout / 4))),
    },
    app.callback(),
  );
  server.keepAliveTimeout = Math.min(KEEP_ALIVE_TIMEOUT_MS, idleTimeoutMs);
  server.maxConnections = maxConnections;
  // A connection is idle unless a request that arrived whole is being answered (a long poll
  // may stay silent for 30 s); one stuck in its headers or body is not answered yet.
  const answering = new WeakMap<Socket, IncomingMessage>();
  server.on('connection', (socket: Socket) => socket.setTimeout(idleTimeoutMs));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    answering.set(req.socket, req);
    res.once('close', () => {
      if (answering.get(req.socket) === req) answering.delete(req.socket);
    });
  });
  // With a listener here Node leaves timed-out sockets to us (keep-alive ones included).
  server.on('timeout', (socket: Socket) => {
    if (!answering.get(socket)?.complete) socket.destroy();
  });
  if (onRefused) server.on('drop', onRefused);

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

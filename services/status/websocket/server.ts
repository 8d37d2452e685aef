import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { toProblem } from '../../../shared/errors/problem.ts';
import { VerificationError } from '../../../shared/errors/verification-error.ts';
import { securityHeaderValues } from '../../../shared/http/middleware/security-headers.ts';
import type { Deps } from '../../../shared/runtime/deps.ts';
import type { Attachment } from '../../../shared/runtime/service-module.ts';
import { createDeviceFeed } from '../../../shared/methods/push/device-feed.ts';
import { WS_PATH } from './messages.ts';
import { StatusSocketSession, type SessionContext } from './session.ts';

/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const CLOSE_GRACE_MS = 2_000;
const SHUTDOWN_REASON = 'server shutting down; reconnect and subscribe again';

/**
 * Answers an upgrade that will not become a WebSocket with the problem+json (and the headers)
 * the HTTP API would send.
 */
function writeRefusal(socket: Duplex, err: VerificationError, headers: Record<string, string>): void {
  const problem = toProblem(err);
  const text = JSON.stringify(problem.body);
  const { status } = problem;
  const all = { ...headers, ...problem.headers, 'Content-Type': 'application/problem+json', 'Content-Length': String(Buffer.byteLength(text)) };
  const lines = Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n${lines}\r\n${text}`);
}

/**
 * Browsers always send `Origin` with a WebSocket handshake and are the only clients a page on
 * another site could misuse, so with an allow-list a browser must be on it; clients that send
 * no `Origin` (apps, servers) are not browsers and are let through.
 */
function originAllowed(origin: string | undefined, allowed: string[] | undefined): boolean {
  if (!allowed || allowed.length === 0 || origin === undefined) return true;
  const normalized = origin.toLowerCase().replace(/\/$/, '');
  return allowed.some((entry) => entry === '*' || entry.toLowerCase().replace(/\/$/, '') === normalized);
}

/** `?status_id=a&status_id=b` or `?status_id=a,b`. */
function initialIds(url: URL): string[] {
  return url.searchParams
    .getAll('status_id')
    .flatMap((value) => value.split(','))
    .map((id) => id.trim())
    .filter(Boolean);
}

/**
 * Serves the status WebSocket (`/verification-srv/ws`) on `server`: origin check, one session
 * per connection, ping/pong heartbeat, and a shutdown that lets in-flight messages finish and
 * then closes every socket with 1001.
 */
export function attachStatusSocket(server: Server, deps: Deps): Attachment {
  const { config, statusHub, statusMetrics: metrics, log } = deps;
  const limits = config.websocket;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, clientTracking: false, perMessageDeflate: false });
  const ctx: SessionContext = {
    hub: statusHub,
    metrics,
    log,
    maxSubscriptions: limits.maxSubscriptions,
    maxBufferedBytes: limits.maxBufferedBytes,
    maxMessagesPerSecond: limits.maxMessagesPerSecond,
    devices: createDeviceFeed({ db: deps.db, clock: deps.clock }),
  };
  const refusalHeaders = securityHeaderValues(config);
  const refuse = (socket: Duplex, err: VerificationError) => writeRefusal(socket, err, refusalHeaders);
  // A handshake `ws` itself finds broken (method, Upgrade header, key, version) is refused like
  // any other, rather than with ws's own text/html page.
  wss.on('wsClientError', (err, socket, req) => {
    if (req.method !== 'GET') return refuse(socket, new VerificationError('METHOD_NOT_ALLOWED', undefined, { headers: { Allow: 'GET' } }));
    refuse(socket, new VerificationError('INVALID_REQUEST', `WebSocket handshake: ${err.message}`, { headers: { 'Sec-WebSocket-Version': '13, 8' } }));
  });
  const sessions = new Set<StatusSocketSession>();
  let closing = false;
  let allClosed: (() => void) | undefined;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, new VerificationError('ROUTE_NOT_FOUND'));
    if (closing) return refuse(socket, new VerificationError('SERVICE_UNAVAILABLE', 'the server is shutting down'));
    if (!originAllowed(req.headers.origin, config.wsAllowedOrigins)) {
      return refuse(socket, new VerificationError('FORBIDDEN', 'this origin may not open the status WebSocket'));
    }
    const ids = initialIds(url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new StatusSocketSession(ws, ctx, () => {
        sessions.delete(session);
        metrics.openSockets.dec();
        if (sessions.size === 0) allClosed?.();
      });
      sessions.add(session);
      metrics.openSockets.inc();
      if (ids.length > 0) session.subscribe(ids);
    });
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, limits.heartbeatMs);
  heartbeat.unref();

  return {
    async close() {
      closing = true;
      clearInterval(heartbeat);
      statusHub.releaseWaiters();
      const closed = new Promise<void>((resolve) => {
        allClosed = resolve;
        if (sessions.size === 0) resolve();
      });
      await Promise.all([...sessions].map((session) => session.shutdown(SHUTDOWN_REASON)));
      const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([closed, grace]);
      for (const session of sessions) session.terminate();
      server.off('upgrade', onUpgrade);
      wss.close();
      await ctx.devices.close();
    },
  };
}

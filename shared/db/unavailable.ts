const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
// SQLSTATE: class 08 connection exception; 57P01-03 shutdown / cannot connect now; 53300 too many connections.
const SQLSTATES = /^(08...|57P0[123]|53300)$/;
const MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|database ".*" is not currently accepting connections)/;

/**
 * Whether `err` means the database cannot be reached right now (rather than that a query was
 * wrong): such failures are a 503 a client or load balancer may retry, not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.test(code))) return true;
  return typeof message === 'string' && MESSAGES.test(message);
}

import { expect } from 'vitest';
import type { TestServer } from './test-server.ts';

/** The fields a security event line may carry besides pino's own; anything else is a leak. */
const EVENT_FIELDS = new Set([
  'event', 'tenant', 'sub', 'type', 'outcome', 'ph_id', 'status_id', 'failures', 'retry_after', 'locked_until',
  'remaining_attempts', 'attempts', 'via', 'actor', 'actor_sub', 'operation', 'reason', 'requestId', 'ip',
  'changed', 'count', 'remaining', 'stored_counter', 'received_counter', 'code',
]);
const PINO_FIELDS = new Set(['level', 'time', 'service', 'msg']);

/**
 * The security event lines the server logged for `sub`, in order, without pino's fields and
 * the request origin (asserted separately), so tests can compare them whole.
 */
export function securityEventsOf(server: TestServer, sub: string): Record<string, unknown>[] {
  return server.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'security event' && line.sub === sub)
    .map((line) => {
      const unexpected = Object.keys(line).filter((key) => !EVENT_FIELDS.has(key) && !PINO_FIELDS.has(key));
      expect(unexpected, 'fields a security event line must not carry').toEqual([]);
      expect(line.requestId, 'every event names the request it came from').toEqual(expect.any(String));
      expect(line.ip, 'and where it came from').toEqual(expect.any(String));
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(line)) if (EVENT_FIELDS.has(key) && key !== 'requestId' && key !== 'ip') rest[key] = value;
      return rest;
    });
}

/**
 * Asserts that none of `values` (codes, secrets, tokens, exchange ids, URIs) appears in any log
 * line. A value is matched as a whole token, so a 6-digit code is not "found" inside a UUID.
 */
export function expectNeverLogged(server: TestServer, values: string[]): void {
  for (const value of values) {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const token = new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`);
    const leaking = server.logs.filter((line) => token.test(line));
    expect(leaking, `log lines containing ${value.slice(0, 12)}…`).toEqual([]);
  }
}

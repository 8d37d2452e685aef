import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../shared/db/database.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { SecurityEventRecorder, logSink, type RecordedEvent, type SecurityEvent } from '../../../shared/security-events/index.ts';

const AT = new Date('2030-01-02T03:04:05.000Z');
const tx: Queryable = { query: () => Promise.reject(new Error('sinks under test write no rows')) };
const WRONG: SecurityEvent = { event: 'authentication.wrong_code', tenantId: 'acme', sub: 'alice', type: 'TOTP', failures: 4, retryAfterS: 2 };

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

/** A log line without its timestamp, which the real clock writes. */
function withoutTime(line: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...line };
  delete copy.time;
  return copy;
}

describe('SecurityEventRecorder', () => {
  it('hands each event to every sink in order, stamped with the clock and the request it came from', async () => {
    const seen: string[] = [];
    const received: RecordedEvent[] = [];
    const recorder = new SecurityEventRecorder(
      [{ write: () => void seen.push('first') }, { write: async (_tx, r) => void (seen.push('second'), received.push(...r)) }],
      () => AT,
    );
    await recorder.forRequest({ requestId: 'req-1', ip: '203.0.113.9' }).record(tx, WRONG);
    expect(seen).toEqual(['first', 'second']);
    expect(received).toEqual([{ event: WRONG, at: AT, origin: { requestId: 'req-1', ip: '203.0.113.9' } }]);
  });

  it('hands the events of one change to each sink together, in order, so a sink can write them in one statement', async () => {
    const batches: string[][] = [];
    const recorder = new SecurityEventRecorder([{ write: (_tx, r) => void batches.push(r.map((one) => one.event.event)) }], () => AT);
    await recorder.record(tx, WRONG, { event: 'factor.added', tenantId: 'acme', sub: 'alice', type: 'TOTP', phId: 'ph-1', via: 'profile' });
    expect(batches).toEqual([[WRONG.event, 'factor.added']]);
  });

  it('passes the transaction of the change to each sink', async () => {
    let given: Queryable | undefined;
    await new SecurityEventRecorder([{ write: (q) => void (given = q) }], () => AT).record(tx, WRONG);
    expect(given).toBe(tx);
  });

  it('lets a failing sink fail the record call, so the transaction of the change rolls back', async () => {
    const recorder = new SecurityEventRecorder([{ write: () => Promise.reject(new Error('audit table unavailable')) }], () => AT);
    await expect(recorder.record(tx, WRONG)).rejects.toThrow('audit table unavailable');
  });
});

describe('logSink', () => {
  it('writes one line with the event, tenant, sub, method, outcome and details, at warn for a failure', async () => {
    const { log, lines } = captureLog();
    await new SecurityEventRecorder([logSink(log)], () => AT).forRequest({ requestId: 'req-2', ip: '198.51.100.4', userAgent: 'ua' }).record(tx, WRONG);
    expect(lines).toHaveLength(1);
    const line = withoutTime(lines[0]!);
    expect(line).toEqual({
      level: 40,
      service: 'verification',
      msg: 'security event',
      event: 'authentication.wrong_code',
      tenant: 'acme',
      sub: 'alice',
      type: 'TOTP',
      outcome: 'failure',
      failures: 4,
      retry_after: 2,
      requestId: 'req-2',
      ip: '198.51.100.4',
    });
  });

  it('writes successes at info', async () => {
    const { log, lines } = captureLog();
    await new SecurityEventRecorder([logSink(log)], () => AT).record(tx, {
      event: 'factor.added',
      tenantId: 'acme',
      sub: 'alice',
      type: 'TOTP',
      phId: '79e52278-80f4-488f-8adc-5ef3d4c4869d',
      statusId: '04dca6fd-2cd7-4a9d-9d94-851be71d6344',
      via: 'app',
    });
    expect(lines[0]).toMatchObject({ level: 30, event: 'factor.added', outcome: 'success', via: 'app' });
  });

  it('writes a refused step-up with the operation and reason, as refused', async () => {
    const { log, lines } = captureLog();
    await new SecurityEventRecorder([logSink(log)], () => AT).record(tx, {
      event: 'stepup.refused',
      tenantId: 'acme',
      sub: 'alice',
      operation: 'remove_device',
      reason: 'auth_time too old',
    });
    const line = withoutTime(lines[0]!);
    expect(line).toEqual({
      level: 40,
      service: 'verification',
      msg: 'security event',
      event: 'stepup.refused',
      tenant: 'acme',
      sub: 'alice',
      outcome: 'refused',
      operation: 'remove_device',
      reason: 'auth_time too old',
    });
  });

  it('writes an admin settings change with the names of what changed, never values', async () => {
    const { log, lines } = captureLog();
    await new SecurityEventRecorder([logSink(log)], () => AT).record(tx, { event: 'settings.changed', tenantId: 'acme', sub: 'root', type: 'TOTP', changed: ['digits', 'issuer'] });
    expect(withoutTime(lines[0]!)).toEqual({ level: 30, service: 'verification', msg: 'security event', event: 'settings.changed', tenant: 'acme', sub: 'root', type: 'TOTP', outcome: 'success', changed: ['digits', 'issuer'] });
  });

  it('names BACKUPCODE as the method of backup-code events', async () => {
    const { log, lines } = captureLog();
    await new SecurityEventRecorder([logSink(log)], () => AT).record(tx, { event: 'backupcodes.used', tenantId: 'acme', sub: 'alice', phId: '79e52278-80f4-488f-8adc-5ef3d4c4869d', remaining: 2 });
    expect(lines[0]).toMatchObject({ event: 'backupcodes.used', type: 'BACKUPCODE', outcome: 'success', remaining: 2, ph_id: '79e52278-80f4-488f-8adc-5ef3d4c4869d' });
  });
});

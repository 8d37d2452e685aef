import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../../shared/security-events/index.ts';
import { WEBHOOK_EVENT_TYPES, subscribes, toWebhookMessage } from '../../../shared/webhooks/webhook-events.ts';
import { requireWebhookUrl } from '../../../shared/webhooks/webhook-url.ts';

const AT = new Date('2030-01-02T03:04:05.000Z');
const PH = '79e52278-80f4-488f-8adc-5ef3d4c4869d';
const subject = { tenantId: 'acme', sub: 'alice', type: 'TOTP' as const };
const message = (event: SecurityEvent) => toWebhookMessage({ event, at: AT, origin: { ip: '203.0.113.7', requestId: 'r', actor: 'alice' } });

describe('toWebhookMessage', () => {
  it.each<[SecurityEvent, string, Record<string, unknown>]>([
    [{ event: 'authentication.succeeded', ...subject, phId: PH }, 'authentication.succeeded', { ph_id: PH }],
    [{ event: 'authentication.wrong_code', ...subject, failures: 4, retryAfterS: 2 }, 'authentication.failed', { reason: 'wrong_code', failures: 4 }],
    [{ event: 'authentication.replay', ...subject, phId: PH }, 'authentication.failed', { reason: 'replay', ph_id: PH }],
    [
      { event: 'authentication.clone_warning', ...subject, phId: PH, storedCounter: 7, receivedCounter: 3 },
      'authentication.failed',
      { reason: 'clone_warning', ph_id: PH },
    ],
    [
      { event: 'authentication.invalid_response', ...subject, statusId: PH, code: 'VER_0083' },
      'authentication.failed',
      { reason: 'invalid_response', code: 'VER_0083', status_id: PH },
    ],
    [{ event: 'authentication.throttled', ...subject, retryAfterS: 900 }, 'authentication.denied', { reason: 'throttled', retry_after: 900 }],
    [{ event: 'authentication.denied', ...subject, reason: 'fraud' }, 'authentication.denied', { reason: 'fraud' }],
    [{ event: 'lockout.started', ...subject, failures: 10, lockedUntil: AT }, 'lockout.started', { failures: 10, locked_until: AT.toISOString() }],
    [{ event: 'factor.removed', ...subject, phId: PH, actor: { kind: 'admin', sub: 'root' } }, 'factor.removed', { ph_id: PH, removed_by: 'admin' }],
    [{ event: 'backupcodes.used', tenantId: 'acme', sub: 'alice', phId: PH, remaining: 3 }, 'backupcodes.used', { ph_id: PH, remaining: 3 }],
    [{ event: 'backupcodes.regenerated', tenantId: 'acme', sub: 'alice', phId: PH, count: 10 }, 'backupcodes.regenerated', { ph_id: PH, count: 10 }],
  ])('maps %o to %s', (event, type, extra) => {
    const expectedType = 'type' in event ? event.type : 'BACKUPCODE';
    expect(message(event)).toEqual({ type, timestamp: AT.toISOString(), data: { tenant: 'acme', sub: 'alice', type: expectedType, ...extra } });
  });

  it.each<SecurityEvent>([
    { event: 'enrollment.wrong_code', ...subject, statusId: PH, remainingAttempts: 4 },
    { event: 'enrollment.rotated', ...subject, statusId: PH },
    { event: 'stepup.refused', tenantId: 'acme', sub: 'alice', operation: 'remove_device', reason: 'no proof' },
    { event: 'settings.changed', ...subject, changed: ['digits'] },
  ])('keeps %o out of webhooks (audit only)', (event) => {
    expect(message(event)).toBeUndefined();
  });

  it('never carries the request origin (addresses, request ids, the actor)', () => {
    const text = JSON.stringify(message({ event: 'authentication.wrong_code', ...subject, failures: 1 }));
    expect(text).not.toContain('203.0.113.7');
    expect(text).not.toMatch(/actor|request/);
  });
});

describe('subscribes', () => {
  it('matches named types, and every type for *', () => {
    expect(subscribes(['factor.added'], 'factor.added')).toBe(true);
    expect(subscribes(['factor.added'], 'factor.removed')).toBe(false);
    expect(WEBHOOK_EVENT_TYPES.every((type) => subscribes(['*'], type))).toBe(true);
  });
});

describe('requireWebhookUrl', () => {
  const production = { production: true, allowPrivate: false };
  const development = { production: false, allowPrivate: false };

  it('accepts https anywhere and http or loopback only outside production', () => {
    expect(requireWebhookUrl('https://hooks.example.com/x', production)).toBe('https://hooks.example.com/x');
    expect(requireWebhookUrl('http://127.0.0.1:9000/x', development)).toBe('http://127.0.0.1:9000/x');
    expect(() => requireWebhookUrl('http://hooks.example.com/x', production)).toThrow('must be https in production');
    expect(() => requireWebhookUrl('https://127.0.0.1/x', production)).toThrow(/loopback/);
    expect(() => requireWebhookUrl('https://localhost/x', production)).toThrow(/loopback/);
    expect(() => requireWebhookUrl('https://[::ffff:10.0.0.1]/x', production)).toThrow(/private/);
  });

  it('lets OUTBOUND_ALLOW_PRIVATE open internal addresses in production, never cloud metadata', () => {
    const open = { production: true, allowPrivate: true };
    expect(requireWebhookUrl('https://10.1.2.3/x', open)).toBe('https://10.1.2.3/x');
    expect(() => requireWebhookUrl('https://169.254.169.254/x', open)).toThrow(/metadata/);
  });
});

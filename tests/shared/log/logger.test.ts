import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/log/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

describe('createLogger', () => {
  it('redacts secrets, codes and credentials logged by mistake at the top level', () => {
    const { log, lines } = capture();
    log.info({ totp_secret: 'JBSWY3DPEHPK3PXP', pass_code: '123456', authorization: 'Bearer abc', exchange_id: 'e' }, 'oops');
    expect(lines[0]).toMatchObject({ totp_secret: '[redacted]', pass_code: '[redacted]', authorization: '[redacted]', exchange_id: '[redacted]' });
  });

  it('redacts them inside a logged body and request headers', () => {
    const { log, lines } = capture();
    log.info({ body: { pass_code: '123456', otpauth_uri: 'otpauth://x' }, req: { headers: { authorization: 'Bearer abc' } } }, 'oops');
    expect(lines[0]).toMatchObject({ body: { pass_code: '[redacted]', otpauth_uri: '[redacted]' }, req: { headers: { authorization: '[redacted]' } } });
  });

  it('leaves ordinary fields alone', () => {
    const { log, lines } = capture();
    log.info({ route: '/verification-srv/config/list', status: 200 }, 'request');
    expect(lines[0]).toMatchObject({ route: '/verification-srv/config/list', status: 200, msg: 'request' });
  });

  it('stamps each line with the current time in ISO 8601, to the millisecond', () => {
    const { log, lines } = capture();
    const before = Date.now();
    log.info('first');
    log.info('second');
    const after = Date.now();
    for (const line of lines) {
      expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const at = Date.parse(line.time as string);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
  });
});

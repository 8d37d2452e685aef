import { describe, expect, it } from 'vitest';
import { sweepExpired } from '../../../shared/exchanges/sweep-expired.ts';
import { codeNow, withEnrollmentServer, type EnrollmentClient } from '../../helpers/enrollment.ts';
import { expectProblem } from '../../helpers/problem.ts';
import type { TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let api: EnrollmentClient;
withEnrollmentServer((s, a) => {
  server = s;
  api = a;
});

const TEN_MINUTES = 10 * 60 * 1000;

async function started(sub: string) {
  const token = await server.token({ sub });
  return { token, offer: (await api.initiate(token)).body };
}

describe('rotation', () => {
  it('gives a new secret and exchange id for the same status id', async () => {
    const { token, offer } = await started('alice');
    const res = await api.rotate(token, offer.exchange_id.exchange_id);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.status_id).toBe(offer.status_id);
    expect(res.body.exchange_id.exchange_id).not.toBe(offer.exchange_id.exchange_id);
    expect(res.body.totp_secret).not.toBe(offer.totp_secret);
    expect(res.body.otpauth_uri).toContain(`eid=${res.body.exchange_id.exchange_id}`);
  });

  it('makes the old exchange id answer 409 VER_0040 and the new one complete with the new secret only', async () => {
    const { token, offer } = await started('bob');
    const { body: rotated } = await api.rotate(token, offer.exchange_id.exchange_id);
    const old = await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expectProblem(old, 409, 'VER_0040');
    const oldSecret = await api.verify(token, rotated.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expect(oldSecret.status).toBe(400);
    const ok = await api.verify(token, rotated.exchange_id.exchange_id, codeNow(server, rotated.totp_secret));
    expect(ok.status).toBe(200);
    expect((await api.status(offer.status_id)).body.status).toBe('ENROLLED');
  });

  it('returns a scanned enrollment to INITIATED, unbinding the device', async () => {
    const { token, offer } = await started('carol');
    await api.scan(offer, 'phone-1');
    const { body: rotated } = await api.rotate(token, offer.exchange_id.exchange_id);
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
    expect((await api.scan(rotated, 'phone-2')).status).toBe(200);
  });

  it('is refused once the enrollment is complete, with 409 VER_0032', async () => {
    const { token, offer } = await started('dave');
    await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    const res = await api.rotate(token, offer.exchange_id.exchange_id);
    expectProblem(res, 409, 'VER_0032');
  });
});

describe('cancel', () => {
  it('moves the enrollment to CANCELLED and refuses completing it with 409 VER_0033', async () => {
    const { token, offer } = await started('erin');
    const res = await api.cancel(token, offer.exchange_id.exchange_id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', id: offer.status_id });
    expect((await api.status(offer.status_id)).body.status).toBe('CANCELLED');
    const late = await api.verify(token, offer.exchange_id.exchange_id, codeNow(server, offer.totp_secret));
    expectProblem(late, 409, 'VER_0033');
  });

  it('refuses a scan of a cancelled enrollment with 409 VER_0033', async () => {
    const { token, offer } = await started('frank');
    await api.cancel(token, offer.exchange_id.exchange_id);
    const res = await api.scan(offer);
    expectProblem(res, 409, 'VER_0033');
  });

  it("cannot be done by another user (404)", async () => {
    const { offer } = await started('gina');
    const other = await server.token({ sub: 'mallory' });
    expect((await api.cancel(other, offer.exchange_id.exchange_id)).status).toBe(404);
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });

  it('rejects a malformed exchange id in the path with 400 VER_0007', async () => {
    const token = await server.token({ sub: 'hank' });
    const res = await api.cancel(token, 'not-a-uuid');
    expectProblem(res, 400, 'VER_0007');
  });
});

describe('expiry', () => {
  it('reports EXPIRED once the exchange lifetime has passed', async () => {
    const { offer } = await started('ivan');
    server.clock.advance(TEN_MINUTES + 1000);
    try {
      expect((await api.status(offer.status_id)).body.status).toBe('EXPIRED');
    } finally {
      server.clock.advance(-(TEN_MINUTES + 1000));
    }
  });

  it('refuses completing, scanning, rotating and cancelling an expired enrollment with 409 VER_0031', async () => {
    const { token, offer } = await started('judy');
    server.clock.advance(TEN_MINUTES + 1000);
    try {
      const eid = offer.exchange_id.exchange_id;
      const answers = [
        await api.verify(token, eid, codeNow(server, offer.totp_secret)),
        await api.scan(offer),
        await api.rotate(token, eid),
        await api.cancel(token, eid),
      ];
      for (const res of answers) {
        expectProblem(res, 409, 'VER_0031');
      }
    } finally {
      server.clock.advance(-(TEN_MINUTES + 1000));
    }
  });

  it('honours the exchange lifetime the tenant configured', async () => {
    const admin = await server.token({ sub: 'root', tenant: 'short', scope: 'verification:admin' });
    await fetch(`${server.url}/verification-srv/config/totp`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { exchange_lifetime: 60 } }),
    });
    const token = await server.token({ sub: 'kim', tenant: 'short' });
    const { body: offer } = await api.initiate(token);
    const lifetime = Date.parse(offer.exchange_id.expires_at) - server.clock.now().getTime();
    expect(lifetime).toBeGreaterThan(55_000);
    expect(lifetime).toBeLessThanOrEqual(60_000);
  });

  it('is swept: overdue enrollments become EXPIRED without anyone reading them, and lose their secret', async () => {
    const { offer } = await started('liam');
    const later = new Date(server.clock.now().getTime() + TEN_MINUTES + 1000);
    expect(await sweepExpired(server.deps.db, { now: later, events: server.deps.securityEvents })).toBeGreaterThanOrEqual(1);
    const { rows } = await server.deps.db.query<{ status: string; secret_ciphertext: Buffer | null }>(
      'SELECT status, secret_ciphertext FROM exchanges WHERE status_id = $1',
      [offer.status_id],
    );
    expect(rows[0]).toEqual({ status: 'EXPIRED', secret_ciphertext: null });
  });
});

describe('the status id is only for watching', () => {
  it('cannot complete, scan, rotate or cancel anything', async () => {
    const { token, offer } = await started('mia');
    const asExchange = { ...offer, exchange_id: { ...offer.exchange_id, exchange_id: offer.status_id } };
    const answers = [
      await api.verify(token, offer.status_id, codeNow(server, offer.totp_secret)),
      await api.scan(asExchange),
      await api.rotate(token, offer.status_id),
      await api.cancel(token, offer.status_id),
    ];
    for (const res of answers) expectProblem(res, 404, 'VER_0030');
    expect((await api.status(offer.status_id)).body.status).toBe('INITIATED');
  });
});

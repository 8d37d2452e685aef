import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_DELIVERY_ENV, queueCode, settledDelivery } from '../../helpers/delivery.ts';
import { request } from '../../helpers/http.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { startProductionServer } from '../../helpers/production.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

interface DevOutbox {
  to: string;
  messages: { id: string; channel: string; to: string; code: string; text: string; subject?: string; html?: string; sent_at: string }[];
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { ...FAST_DELIVERY_ENV, PUBLIC_BASE_URL: 'https://login.acme.example' } });
});
afterAll(() => server.close());

const outboxOf = (to: string) => request<DevOutbox>(`${server.url}/verification-srv/dev/outbox?to=${encodeURIComponent(to)}`);

describe('GET /verification-srv/dev/outbox (log provider, outside production)', () => {
  it('shows the SMS the log provider sent to a number, newest first, with its code', async () => {
    const first = await queueCode(server, { to: '+4915111111111', code: '111111' });
    await settledDelivery(server, first.messageId);
    const second = await queueCode(server, { to: '+4915111111111', code: '222222' });
    await settledDelivery(server, second.messageId);

    const res = await outboxOf('+4915111111111');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.to).toBe('+4915111111111');
    expect(res.body.messages.map((m) => [m.id, m.code, m.channel])).toEqual([
      [second.messageId, '222222', 'sms'],
      [first.messageId, '111111', 'sms'],
    ]);
    expect(res.body.messages[0]!.text).toBe('222222 is your Acme verification code. It expires in 10 minutes. Do not share it.\n\n@login.acme.example #222222');
  });

  it('finds a number given in another format, or with its + sent unencoded', async () => {
    const { messageId } = await queueCode(server, { to: '+447400123456', code: '333333' });
    await settledDelivery(server, messageId);
    for (const query of ['%2B44%207400%20123456', '+447400123456', '447400123456']) {
      const res = await request<DevOutbox>(`${server.url}/verification-srv/dev/outbox?to=${query}`);
      expect(res.body.messages[0]?.code, query).toBe('333333');
    }
  });

  it('shows an email with subject, text and HTML, found by any case of its domain', async () => {
    const { messageId } = await queueCode(server, { channel: 'email', to: 'Dev.User@example.com', code: '444444' });
    await settledDelivery(server, messageId);
    const res = await outboxOf('Dev.User@EXAMPLE.com');
    expect(res.body.messages).toHaveLength(1);
    expect(res.body.messages[0]).toMatchObject({ channel: 'email', to: 'Dev.User@example.com', code: '444444', subject: '444444 is your Acme verification code' });
    expect(res.body.messages[0]!.html).toContain('444444');
  });

  it('is empty for a destination nothing was sent to', async () => {
    const res = await outboxOf('+4915199999999');
    expect(res.body).toEqual({ to: '+4915199999999', messages: [] });
  });

  it('refuses a missing destination with 400 problem+json', async () => {
    expectProblem(await request(`${server.url}/verification-srv/dev/outbox`), 400, 'VER_0001');
    expectProblem(await request(`${server.url}/verification-srv/dev/outbox?to=not@an@email@`), 400, 'VER_0073');
  });

  it('keeps the codes sealed in the database, while the log provider writes them to the log', async () => {
    const { messageId } = await queueCode(server, { to: '+4915155555555', code: '987650' });
    await settledDelivery(server, messageId);
    const { rows } = await server.deps.db.query('SELECT * FROM dev_outbox_messages');
    expect(JSON.stringify(rows)).not.toContain('987650');
    const outboxRows = await server.deps.db.query('SELECT * FROM outbox');
    expect(JSON.stringify(outboxRows.rows)).not.toContain('987650');
    expect(server.logs.some((line) => line.includes('987650') && line.includes('log provider'))).toBe(true);
  });
});

describe('in production', () => {
  it('the development outbox does not exist', async () => {
    const production = await startProductionServer();
    try {
      expectProblem(await request(`${production.url}/verification-srv/dev/outbox?to=%2B4915111111111`), 404, 'VER_0005');
      expect(production.deps.delivery.channelAvailable('sms')).toBe(false);
      await expect(queueCode(production)).rejects.toMatchObject({ name: 'DELIVERY_UNAVAILABLE', code: 'VER_0074' });
    } finally {
      await production.close();
    }
  });
});

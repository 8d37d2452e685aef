import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSink } from '../../../shared/audit/audit-sink.ts';
import { loadConfig } from '../../../shared/config/env.ts';
import type { Database } from '../../../shared/db/database.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { Outbox } from '../../../shared/outbox/outbox.ts';
import { SecurityEventRecorder, recordEnrollmentTransition, type EnrollmentTransition } from '../../../shared/security-events/index.ts';
import { Webhooks } from '../../../shared/webhooks/webhooks.ts';
import { chainOf, uniqueTenant } from '../../helpers/audit.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { openMigratedDatabase, TEST_SECRET_KEY } from '../../helpers/test-server.ts';

let scratch: ScratchDatabase;
let db: Database;
let webhooks: Webhooks;
let recorder: SecurityEventRecorder;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = await openMigratedDatabase(scratch.url);
  const log = createLogger('silent');
  const keyring = loadConfig({ SECRET_KEY: TEST_SECRET_KEY }).secretKeyring;
  const outbox = new Outbox({ db, keyring, clock: () => new Date(), log, pollIntervalMs: 60_000, leaseMs: 60_000, concurrency: 1, retentionDays: 30 });
  webhooks = new Webhooks({ db, outbox, keyring, clock: () => new Date(), log, policy: { production: false, allowPrivate: false } }, { retryScale: 1 });
  recorder = new SecurityEventRecorder([auditSink({ recorded: () => undefined }), webhooks.sink], () => new Date());
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

/** The bodies the webhook sink queued for the tenant's endpoints, oldest first. */
async function queuedWebhooks(tenant: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const { rows } = await db.query<{ payload: { body: string } }>("SELECT payload FROM outbox WHERE queue = 'webhook' AND tenant_id = $1 ORDER BY seq", [tenant]);
  return rows.map((r) => JSON.parse(r.payload.body) as { type: string; data: Record<string, unknown> });
}

const STATUS_ID = '04dca6fd-2cd7-4a9d-9d94-851be71d6344';
const PH_ID = '79e52278-80f4-488f-8adc-5ef3d4c4869d';

describe('recordEnrollmentTransition', () => {
  it('records each status an enrollment reaches in the audit trail and as enrollment.* webhooks', async () => {
    const tenant = uniqueTenant('transitions');
    await webhooks.create({ tenantId: tenant, url: 'https://hooks.example.com/x', events: ['*'] });
    const subject = { tenantId: tenant, sub: 'alice', type: 'TOTP' as const, statusId: STATUS_ID };
    const transitions: EnrollmentTransition[] = [
      { status: 'INITIATED' },
      { status: 'INITIATED', rotated: true },
      { status: 'SCANNED' },
      { status: 'ENROLLED', phId: PH_ID },
      { status: 'EXPIRED' },
      { status: 'CANCELLED' },
      { status: 'FAILED', attempts: 5 },
    ];
    for (const transition of transitions) await db.transaction((tx) => recordEnrollmentTransition(recorder, tx, subject, transition));

    expect((await chainOf(db, tenant)).map((r) => [r.event, r.status_id, r.ph_id, r.outcome, r.details])).toEqual([
      ['enrollment.initiated', STATUS_ID, null, 'success', {}],
      ['enrollment.rotated', STATUS_ID, null, 'success', {}],
      ['enrollment.scanned', STATUS_ID, null, 'success', {}],
      ['enrollment.enrolled', STATUS_ID, PH_ID, 'success', {}],
      ['enrollment.expired', STATUS_ID, null, 'failure', {}],
      ['enrollment.cancelled', STATUS_ID, null, 'success', {}],
      ['enrollment.failed', STATUS_ID, null, 'failure', { attempts: 5 }],
    ]);
    // A rotation is audited but not a webhook event.
    expect(await queuedWebhooks(tenant)).toEqual([
      { type: 'enrollment.initiated', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID } },
      { type: 'enrollment.scanned', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID } },
      { type: 'enrollment.enrolled', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID, ph_id: PH_ID } },
      { type: 'enrollment.expired', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID } },
      { type: 'enrollment.cancelled', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID } },
      { type: 'enrollment.failed', timestamp: expect.any(String), data: { tenant, sub: 'alice', type: 'TOTP', status_id: STATUS_ID, attempts: 5 } },
    ]);
  });

  it('records nothing when the transition rolls back', async () => {
    const tenant = uniqueTenant('transitions');
    await webhooks.create({ tenantId: tenant, url: 'https://hooks.example.com/x', events: ['enrollment.enrolled'] });
    await expect(
      db.transaction(async (tx) => {
        await recordEnrollmentTransition(recorder, tx, { tenantId: tenant, sub: 'alice', type: 'TOTP', statusId: STATUS_ID }, { status: 'ENROLLED', phId: PH_ID });
        throw new Error('the transition lost its race');
      }),
    ).rejects.toThrow('the transition lost its race');
    expect(await chainOf(db, tenant)).toEqual([]);
    expect(await queuedWebhooks(tenant)).toEqual([]);
  });
});

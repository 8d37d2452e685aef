import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/env.ts';
import type { Database } from '../../../shared/db/database.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { Outbox } from '../../../shared/outbox/outbox.ts';
import type { SecretKeyring } from '../../../shared/otp/secret-box.ts';
import { resealWebhookSecrets } from '../../../shared/webhooks/reseal-secrets.ts';
import { findEndpoint } from '../../../shared/webhooks/endpoint-repository.ts';
import { Webhooks } from '../../../shared/webhooks/webhooks.ts';
import { openSecret } from '../../../shared/otp/secret-box.ts';
import { secretBinding } from '../../../shared/webhooks/webhook-context.ts';
import { uniqueTenant } from '../../helpers/audit.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database.ts';
import { openMigratedDatabase } from '../../helpers/test-server.ts';

const K1 = 'ab'.repeat(32);
const K2 = 'cd'.repeat(32);
const before = loadConfig({ SECRET_KEY: K1, SECRET_KEY_ID: 'k1' }).secretKeyring;
const during = loadConfig({ SECRET_KEY: K2, SECRET_KEY_ID: 'k2', PREVIOUS_SECRET_KEYS: `k1:${K1}` }).secretKeyring;
const after = loadConfig({ SECRET_KEY: K2, SECRET_KEY_ID: 'k2' }).secretKeyring;

let scratch: ScratchDatabase;
let db: Database;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = await openMigratedDatabase(scratch.url);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

function webhooksWith(keyring: SecretKeyring): Webhooks {
  const log = createLogger('silent');
  const outbox = new Outbox({ db, keyring, clock: () => new Date(), log, pollIntervalMs: 60_000, leaseMs: 60_000, concurrency: 1, retentionDays: 30 });
  return new Webhooks({ db, outbox, keyring, clock: () => new Date(), log, policy: { production: false, allowPrivate: false } }, { retryScale: 1 });
}

describe('resealWebhookSecrets (npm run reseal)', () => {
  it('moves the current and the previous secret of an endpoint to the active key, so the old key can go', async () => {
    const tenant = uniqueTenant('reseal');
    const old = webhooksWith(before);
    const created = await old.create({ tenantId: tenant, url: 'https://hooks.example.com/x', events: ['*'] });
    const rotated = await old.rotateSecret(tenant, created.id);

    const report = await resealWebhookSecrets(db, during, { batchSize: 1 });
    expect(report).toMatchObject({ resealed: 1, changedMeanwhile: 0, unreadable: 0, remaining: {} });

    const stored = (await findEndpoint(db, tenant, created.id))!;
    expect([stored.secret.keyId, stored.previous?.secret.keyId]).toEqual(['k2', 'k2']);
    // Only the new key remains, and both secrets still open to what was shown to the admin.
    expect(openSecret(after, stored.secret, secretBinding(created.id))).toBe(rotated.secret);
    expect(openSecret(after, stored.previous!.secret, secretBinding(created.id))).toBe(created.secret);
    expect(await resealWebhookSecrets(db, during)).toMatchObject({ resealed: 0, remaining: {} });
  });

  it('reports a secret it cannot open, by endpoint id, and keeps the key it needs listed', async () => {
    const tenant = uniqueTenant('reseal');
    const k0 = loadConfig({ SECRET_KEY: 'ef'.repeat(32), SECRET_KEY_ID: 'k0' }).secretKeyring;
    const created = await webhooksWith(k0).create({ tenantId: tenant, url: 'https://hooks.example.com/x', events: ['*'] });
    const report = await resealWebhookSecrets(db, during);
    expect(report.unreadableIds).toContain(created.id);
    expect(report.remaining).toMatchObject({ k0: 1 });
  });
});

// npm run reseal [-- --batch-size N]: after a SECRET_KEY rotation, re-seals every TOTP secret and
// webhook signing secret still sealed under an old key (PREVIOUS_SECRET_KEYS) with the active
// one, so the old key can go; and reports backup-code sets whose HMACs still need an old key.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../shared/config/env.ts';
import { openDatabase } from '../shared/db/open.ts';
import { resealAll, type ResealCounts } from '../shared/key-rotation/reseal.ts';
import { createLogger } from '../shared/log/logger.ts';
import { countSetsUnderOtherKeys } from '../shared/methods/backupcode/backup-code-repository.ts';
import { resealWebhookSecrets } from '../shared/webhooks/reseal-secrets.ts';

function line(what: string, c: ResealCounts): string {
  const left = Object.entries(c.remaining).map(([key, n]) => `${n} under ${key}`);
  return `${what}: ${c.resealed} resealed, ${c.changedMeanwhile} changed meanwhile, ${c.unreadable} unreadable; still under old keys: ${left.length ? left.join(', ') : 'none'}`;
}

try {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '200' } } });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new ConfigError('--batch-size', 'a whole number from 1 to 10000');
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config.database, log);
  try {
    const report = await resealAll(db, config.secretKeyring, {
      batchSize,
      onUnreadable: (table, id, err) => console.error(`cannot open ${table} ${id}: ${err instanceof Error ? err.message : String(err)}`),
    });
    console.log(`active key: ${report.activeKeyId}`);
    console.log(line('authenticators', report.authenticators));
    console.log(line('exchanges', report.exchanges));
    const webhooks = await resealWebhookSecrets(db, config.secretKeyring, {
      batchSize,
      onUnreadable: (id, err) => console.error(`cannot open webhook_endpoints ${id}: ${err instanceof Error ? err.message : String(err)}`),
    });
    console.log(line('webhook secrets', webhooks));
    // Backup codes are HMACs: nothing to reseal; their key stays needed until the users make new sets.
    const backupSets = Object.entries(await countSetsUnderOtherKeys(db, config.secretKeyring.activeKeyId)).map(([key, n]) => `${n} under ${key}`);
    console.log(`backup-code sets under old keys (HMACs cannot be resealed; their users must generate new sets): ${backupSets.length ? backupSets.join(', ') : 'none'}`);
    const left = backupSets.length > 0 || [report.authenticators, report.exchanges, webhooks].some((c) => Object.keys(c.remaining).length > 0);
    console.log(left ? 'old keys are still needed: keep them in PREVIOUS_SECRET_KEYS' : 'no secret needs an old key any more');
    if (report.unreadableIds.length + webhooks.unreadableIds.length > 0) process.exitCode = 1;
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
}

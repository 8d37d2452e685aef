import type { AppConfig } from '../config/env.ts';
import { createTokenVerifier } from '../auth/token-verifier.ts';
import { migrate, pendingMigrations, PendingMigrationsError } from '../db/migrations.ts';
import { openDatabase } from '../db/open.ts';
import type { Database } from '../db/database.ts';
import { createMetrics } from '../http/metrics.ts';
import type { Logger } from '../log/logger.ts';
import { readStatus } from '../exchanges/read-status.ts';
import { StatusHub } from '../events/status-hub.ts';
import { createStatusMetrics } from '../events/status-metrics.ts';
import { SecurityEventRecorder, logSink } from '../security-events/index.ts';
import { createVerificationAssertions } from '../step-up/assertion.ts';
import { MessageDelivery } from '../delivery/message-delivery.ts';
import { createProviders } from '../delivery/providers/create-providers.ts';
import { Outbox } from '../outbox/outbox.ts';
import { createOutboxMetrics } from '../outbox/outbox-metrics.ts';
import { AuditChainer } from '../audit/audit-chainer.ts';
import { auditSink } from '../audit/audit-sink.ts';
import { Webhooks } from '../webhooks/webhooks.ts';
import { registerPushGateway } from '../methods/push/push-gateway.ts';
import { listMethods } from '../methods/method-list.ts';
import { TenantConfigCache } from '../tenants/tenant-config-cache.ts';
import { TenantMethodConfigs } from '../tenants/tenant-method-configs.ts';
import { CallerBudgets } from '../rate-limit/caller-budgets.ts';
import type { Clock, Deps } from './deps.ts';

export interface BuildOptions {
  log: Logger;
  /** An already open database (tests); otherwise the configured one is opened. */
  db?: Database;
  clock?: Clock;
}

/** Opens what the services depend on and, when configured, applies pending migrations. */
export async function buildDeps(config: AppConfig, { log, db, clock }: BuildOptions): Promise<Deps> {
  for (const variable of config.developmentDefaults) {
    log.warn(`${variable} is not set: using a PUBLIC DEVELOPMENT DEFAULT. Never run like this with real users.`);
  }
  const database = db ?? (await openDatabase(config.database, log));
  if (config.database.migrateOnStart) {
    const applied = await migrate(database, 'up');
    if (applied.length > 0) log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  } else {
    // Serving on an older schema would fail request by request; refuse once, at start.
    const pending = await pendingMigrations(database);
    if (pending.length > 0) {
      if (!db) await database.close();
      throw new PendingMigrationsError(pending);
    }
  }
  const metrics = createMetrics();
  const statusMetrics = createStatusMetrics(metrics.registry);
  const now = clock ?? (() => new Date());
  const outbox = new Outbox({
    db: database,
    keyring: config.secretKeyring,
    clock: now,
    log,
    metrics: createOutboxMetrics(metrics.registry),
    ...config.outbox,
  });
  const delivery = new MessageDelivery(outbox, createProviders(config, { db: database, log, clock: now }), {
    publicBaseUrl: config.publicBaseUrl,
    retryScale: config.delivery.retryScale,
    clock: now,
  });
  const webhooks = new Webhooks(
    { db: database, outbox, keyring: config.secretKeyring, clock: now, log, policy: { production: config.production, allowPrivate: config.outbound.allowPrivate } },
    { retryScale: config.webhooks.retryScale },
  );
  if (config.push.webhookUrl) {
    const policy = { production: config.production, allowPrivate: config.outbound.allowPrivate };
    registerPushGateway(outbox, { url: config.push.webhookUrl, secrets: config.outbound.webhookSecrets, policy });
  }
  await webhooks.start();
  // Every queue is registered by now (register() before start()).
  await outbox.start();
  // Kept serialized: the list is read on every page load and changes rarely.
  const methodLists = new TenantConfigCache(database, async (tenantId) => JSON.stringify(await listMethods(database, tenantId)));
  await methodLists.start();
  const tenantMethods = new TenantMethodConfigs(database);
  await tenantMethods.start();
  const auditChainer = new AuditChainer({ db: database, log });
  auditChainer.start();
  // Every security event goes to the log, the audit trail and the tenants' webhook endpoints.
  const securityEvents = new SecurityEventRecorder([logSink(log), auditSink(auditChainer), webhooks.sink], now);
  const statusHub = new StatusHub(database, log, {
    // A read that finds an exchange past its lifetime expires it, recorded like any transition.
    load: (statusId) => readStatus(database, statusId, { now: now(), events: securityEvents }),
    clock: now,
    cacheEntries: config.statusCacheEntries,
    metrics: statusMetrics,
  });
  await statusHub.start();
  return {
    config,
    db: database,
    log,
    verifyToken: createTokenVerifier(config.jwt),
    assertions: createVerificationAssertions(config.secretKeyring),
    metrics,
    clock: now,
    statusHub,
    statusMetrics,
    securityEvents,
    outbox,
    delivery,
    webhooks,
    methodLists,
    tenantMethods,
    auditChainer,
    // Date.now itself unless a test moves the clock: no Date built twice per request.
    callerBudgets: new CallerBudgets(config.requestRateLimit, clock ? () => clock().getTime() : Date.now),
  };
}

/**
 * Releases what buildDeps opened: the outbox worker first (attempts under way finish and are
 * recorded), the audit chainer, then the listener, so no event arrives at a closed pool.
 */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.outbox.stop();
  await deps.auditChainer.stop();
  await deps.delivery.close();
  await deps.statusHub.stop();
  await deps.webhooks.stop();
  await deps.methodLists.stop();
  await deps.tenantMethods.stop();
  await deps.db.close();
}

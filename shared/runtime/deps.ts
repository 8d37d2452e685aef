import type { AppConfig } from '../config/env.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { HttpMetrics } from '../http/metrics.ts';
import type { StatusHub } from '../events/status-hub.ts';
import type { StatusMetrics } from '../events/status-metrics.ts';
import type { SecurityEventRecorder } from '../security-events/index.ts';
import type { VerificationAssertions } from '../step-up/assertion.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { MessageDelivery } from '../delivery/message-delivery.ts';
import type { Clock } from '../clock/clock.ts';
import type { Webhooks } from '../webhooks/webhooks.ts';
import type { AuditChainer } from '../audit/audit-chainer.ts';
import type { TenantConfigCache } from '../tenants/tenant-config-cache.ts';
import type { TenantMethodConfigs } from '../tenants/tenant-method-configs.ts';
import type { CallerBudgets } from '../rate-limit/caller-budgets.ts';

export type { Clock } from '../clock/clock.ts';

/** Everything a service needs, built once at start and passed in (nothing reads globals). */
export interface Deps {
  config: AppConfig;
  db: Database;
  log: Logger;
  verifyToken: TokenVerifier;
  /** Mints and checks the step-up assertions returned by sign-in verification. */
  assertions: VerificationAssertions;
  metrics: HttpMetrics;
  clock: Clock;
  /** This process's fan-out of status events (long polls, WebSockets). */
  statusHub: StatusHub;
  /** Gauges and counters of live status delivery (WebSockets, listener, cache). */
  statusMetrics: StatusMetrics;
  /** Where domain operations report security events (routes bind it to their request). */
  securityEvents: SecurityEventRecorder;
  /** The transactional outbox: enqueue rows in a transaction; this process's worker delivers them. */
  outbox: Outbox;
  /** SMS and email codes through the outbox (queueMessage, deliveryStatus). */
  delivery: MessageDelivery;
  /** Tenant webhook endpoints and their deliveries (its sink is one of securityEvents'). */
  webhooks: Webhooks;
  /** Each tenant's method list (config/list) as its JSON body, cached per process, dropped on a change's NOTIFY. */
  methodLists: TenantConfigCache<string>;
  /** Each tenant's stored method configurations (settings, active), cached per process, dropped on a change's NOTIFY. */
  tenantMethods: TenantMethodConfigs;
  /** Moves recorded audit events into their tenants' hash chains soon after they commit. */
  auditChainer: AuditChainer;
  /** Each caller's request budget (`REQUEST_RATE_LIMIT`) for the endpoints without a limit of their own; one per process. */
  callerBudgets: CallerBudgets;
}

import { startAuditRetention } from '../../shared/audit/audit-retention.ts';
import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { auditRoutes } from './audit-routes.ts';
import { configRoutes } from './routes.ts';
import { webhookRoutes } from './webhook-routes.ts';

export const configService: ServiceModule = {
  name: 'config',
  routes: (deps) => [configRoutes(deps), auditRoutes(deps), webhookRoutes(deps)],
  // The admin-facing service owns the audit trail's endpoints, so it also applies its retention.
  attach: (_server, deps) => startAuditRetention(deps, deps.config.audit.retentionDays),
};

import { purgeRecords } from '../archive/purge-records';
import { defineInternalRobot } from './define-internal-robot';

/**
 * Deletes dismissed and resolved alerts older than the purge age (default 60 days), and
 * audit records older than the audit retention (default 365 days): the two logs the
 * controller keeps, so neither grows without bound. With an archive directory, both are
 * archived first (controller/archive/).
 */
export const internalPurgeAlerts = defineInternalRobot({
  type: 'internal-purge-alerts',
  describe: 'Deletes old dismissed and resolved alerts and audit records past their retention',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const now = () => ctx.now();
    const alerts = await purgeRecords(
      ctx.store,
      ctx.config,
      {
        kind: 'alerts',
        states: ['dismissed', 'resolved'],
        before: ctx.now() - ctx.config.purgeAlertsAfterMs,
      },
      now,
    );
    const audit = await purgeRecords(
      ctx.store,
      ctx.config,
      { kind: 'audit', before: ctx.now() - ctx.config.purgeAuditAfterMs },
      now,
    );
    return {
      purged: alerts.purged,
      auditPurged: audit.purged,
      ...(alerts.archive ? { archived: { alerts: alerts.archive, audit: audit.archive } } : {}),
    };
  },
});

import { defineInternalRobot } from './define-internal-robot';

/**
 * Deletes dismissed and resolved alerts older than the purge age (default 60 days), and
 * audit records older than the audit retention (default 365 days): the two logs the
 * controller keeps, so neither grows without bound.
 */
export const internalPurgeAlerts = defineInternalRobot({
  type: 'internal-purge-alerts',
  describe: 'Deletes old dismissed and resolved alerts and audit records past their retention',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const purged = await ctx.store.alerts.purge({
      states: ['dismissed', 'resolved'],
      updatedBefore: ctx.now() - ctx.config.purgeAlertsAfterMs,
    });
    const auditPurged = await ctx.store.audit.purge(ctx.now() - ctx.config.purgeAuditAfterMs);
    return { purged, auditPurged };
  },
});

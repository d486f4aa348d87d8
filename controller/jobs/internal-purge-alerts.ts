import { defineInternalRobot } from './define-internal-robot';

/** Deletes dismissed and resolved alerts older than the purge age (default 60 days). */
export const internalPurgeAlerts = defineInternalRobot({
  type: 'internal-purge-alerts',
  describe: 'Deletes dismissed and resolved alerts older than the purge age',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const purged = await ctx.store.alerts.purge({
      states: ['dismissed', 'resolved'],
      updatedBefore: ctx.now() - ctx.config.purgeAlertsAfterMs,
    });
    return { purged };
  },
});

import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';

/** Deletes dismissed and resolved alerts older than the purge age (default 60 days). */
export const internalPurgeAlerts = defineJob({
  type: 'internal-purge-alerts',
  describe: 'Deletes dismissed and resolved alerts older than the purge age',
  params: Type.Object({}),
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 1, intervalMs: 24 * 3_600_000 },
  async run(_params, ctx) {
    const purged = await ctx.store.alerts.purge({
      states: ['dismissed', 'resolved'],
      updatedBefore: ctx.now() - ctx.config.purgeAlertsAfterMs,
    });
    return { purged };
  },
});

import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';

/** Deletes reporting data and statistics older than the configured age (default 90 days). */
export const internalPurgeReportingData = defineJob({
  type: 'internal-purge-reporting-data',
  describe: 'Deletes reporting data older than the purge age',
  params: Type.Object({}),
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 1, intervalMs: 24 * 3_600_000 },
  async run(_params, ctx) {
    const purged = await ctx.store.reportingData.purge(
      ctx.now() - ctx.config.purgeReportingDataAfterMs,
    );
    return { purged };
  },
});

import { purgeRecords } from '../archive/purge-records';
import { defineInternalRobot } from './define-internal-robot';

/** Deletes reporting data and statistics older than the configured age (default 90 days). */
export const internalPurgeReportingData = defineInternalRobot({
  type: 'internal-purge-reporting-data',
  describe: 'Deletes reporting data older than the purge age',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const { purged, archive } = await purgeRecords(
      ctx.store,
      ctx.config,
      { kind: 'reporting-data', before: ctx.now() - ctx.config.purgeReportingDataAfterMs },
      () => ctx.now(),
    );
    return { purged, ...(archive ? { archived: archive } : {}) };
  },
});

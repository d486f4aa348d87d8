import { purgeRecords } from '../archive/purge-records';
import { defineInternalRobot } from './define-internal-robot';

/** Internal jobs whose successful records are kept like any other job's. */
const KEEP_SUCCESSFUL = new Set(['internal-reporting', 'internal-applications-update']);

/**
 * Successful internal runs younger than this survive a purge, so an operator who just
 * started one can still read its result; everything older goes at every run.
 */
export const INTERNAL_RESULT_GRACE_MS = 15 * 60_000;

/**
 * Keeps the job table small: ended jobs older than the purge age (default 60 days) are
 * deleted, and completed internal-* jobs other than internal-reporting and
 * internal-applications-update are deleted at every run once they are past a short grace.
 */
export const internalPurgeJobs = defineInternalRobot({
  type: 'internal-purge-jobs',
  describe: 'Deletes old job records and successful internal job records',
  intervalMs: 60 * 60_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const now = ctx.now();
    const clock = () => ctx.now();
    const old = await purgeRecords(
      ctx.store,
      ctx.config,
      { kind: 'jobs', before: now - ctx.config.purgeJobsAfterMs },
      clock,
    );
    const internalTypes = ctx.jobTypes.filter(
      (t) => t.startsWith('internal-') && !KEEP_SUCCESSFUL.has(t) && t !== ctx.job.type,
    );
    const internal = await purgeRecords(
      ctx.store,
      ctx.config,
      {
        kind: 'jobs',
        before: now - INTERNAL_RESULT_GRACE_MS,
        types: internalTypes,
        states: ['completed'],
      },
      clock,
    );
    return {
      purgedOld: old.purged,
      purgedInternal: internal.purged,
      ...(old.archive ? { archived: { old: old.archive, internal: internal.archive } } : {}),
    };
  },
});

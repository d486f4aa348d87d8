import { defineInternalRobot } from './define-internal-robot';

/**
 * Jobs that must run exactly when something expires: every run looks one hour ahead
 * (KEYWARDEN_EXPIRY_LOOKAHEAD) and queues, for each expiring record without a job yet,
 * its action job with runAt = the expiry. Workers claim a job only once its runAt has
 * come, so the action starts at the expiry (within one poll interval), even when this
 * robot or the whole controller was busy at that moment.
 *
 * The records come from the store's expiringRecords repository. An authorization with an
 * expiry writes one (controller/authorizations/expiry-record.ts, action remove-authorization).
 * A record whose action job type is not registered is left for a later run.
 */
export const internalExpireAuthorizations = defineInternalRobot({
  type: 'internal-expire-authorizations',
  describe: 'Queues the jobs that run exactly at an authorization expiry, an hour ahead',
  intervalMs: 5 * 60_000,
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const until = ctx.now() + ctx.config.expiryLookaheadMs;
    const due = await ctx.store.expiringRecords.listUnscheduled(until, 1000);
    let scheduled = 0;
    const unknownTypes = new Set<string>();
    for (const rec of due) {
      if (!ctx.jobTypes.includes(rec.action.type)) {
        unknownTypes.add(rec.action.type);
        continue;
      }
      // The dedupe key makes a retry after a crash (job queued, record not marked) harmless.
      const job = await ctx.enqueueByName({
        type: rec.action.type,
        params: rec.action.params,
        hostId: rec.hostId,
        runAt: rec.expiresAt,
        trigger: 'system',
        dedupeKey: `expire:${rec.id}`,
      });
      if (await ctx.store.expiringRecords.markScheduled(rec.id, job.id)) scheduled++;
    }
    if (unknownTypes.size > 0)
      ctx.log.warn(
        { types: [...unknownTypes] },
        'expiring records wait for unregistered job types',
      );
    return { scheduled, waitingForJobType: [...unknownTypes] };
  },
});

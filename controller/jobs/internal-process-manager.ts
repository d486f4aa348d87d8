import { finishParentsUpward } from '../engine/finish-parents';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The once-a-minute watchdog: jobs whose worker stopped renewing the lease go back to
 * the queue (or fail when out of attempts), queued jobs past their deadline expire,
 * worker records that stopped reporting are removed, and parents whose children all
 * ended (a crash between a child's end and its parent's check) are finished.
 */
export const internalProcessManager = defineInternalRobot({
  type: 'internal-process-manager',
  describe: 'Reclaims jobs with expired leases, expires overdue jobs, removes dead worker records',
  intervalMs: 60_000,
  timeoutMs: 60_000,
  watchdog: true,
  async run(ctx) {
    const now = ctx.now();
    const reclaimed = await ctx.store.jobs.reclaimExpiredLeases(now);
    const expired = await ctx.store.jobs.expireOverdue(now);
    const deadWorkers = await ctx.store.workers.removeStale(now - ctx.config.deadWorkerAfterMs);
    let parentsFinished = 0;
    for (const id of await ctx.store.jobs.listParentsReadyToFinish(1000)) {
      parentsFinished += await finishParentsUpward(ctx.store, id, now);
    }
    const result = {
      requeued: reclaimed.requeued.length,
      failed: reclaimed.failed.length,
      cancelled: reclaimed.cancelled.length,
      expired: expired.length,
      deadWorkers: deadWorkers.length,
      parentsFinished,
    };
    if (Object.values(result).some((n) => n > 0)) ctx.log.info(result, 'watchdog cleaned up');
    return result;
  },
});

import { defineInternalRobot } from './define-internal-robot';
import { enqueueDueScans, updateJobIntervals } from '../engine/host-scan-scheduler';

/** A run stops taking more work after this long and leaves the rest to the next run. */
const BUDGET_MS = 20_000;

/**
 * Starts the per-host periodic scans. Periodic robots are started by every controller's
 * scheduler loop (RobotScheduler, the "master process" of the seed), which starts this
 * job too. Each run first applies settings changes (update-job-intervals: only hosts
 * marked schedule-dirty are recomputed), then queues the scans that are due.
 */
export const internalScheduler = defineInternalRobot({
  type: 'internal-scheduler',
  describe: 'Recomputes changed host scan intervals and starts the host scans that are due',
  intervalMs: 15_000,
  timeoutMs: 60_000,
  async run(ctx) {
    const started = ctx.now();
    const total = { hostsRecomputed: 0, scansDue: 0, scansQueued: 0, scansFailed: 0 };
    for (;;) {
      const r = await updateJobIntervals(ctx.store, ctx.hostScans, ctx.now());
      total.hostsRecomputed += r.hosts;
      if (!r.more || ctx.now() - started > BUDGET_MS || ctx.signal.aborted) break;
    }
    for (;;) {
      const r = await enqueueDueScans(
        { store: ctx.store, scans: ctx.hostScans, enqueue: (job) => ctx.enqueueByName(job) },
        ctx.now(),
      );
      total.scansDue += r.due;
      total.scansQueued += r.queued;
      total.scansFailed += r.failed;
      if (!r.more || ctx.now() - started > BUDGET_MS || ctx.signal.aborted) break;
    }
    if (total.scansFailed > 0) ctx.log.warn(total, 'some due host scans could not be queued');
    return total;
  },
});

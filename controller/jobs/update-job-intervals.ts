import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { updateJobIntervals as recomputeDirtyHosts } from '../engine/host-scan-scheduler';

/** A run stops taking more hosts after this long; internal-scheduler finishes the rest. */
const BUDGET_MS = 60_000;

/**
 * The seed's update-job-intervals: when scan-interval settings change (global defaults, a
 * group's or a host's overrides, a host's group), the store marks the affected hosts
 * schedule-dirty and the API queues this job, which recomputes each dirty host's
 * effective intervals and next due times at once instead of at the next scheduler tick.
 * One at a time: a change made while one is queued is picked up by that one, and a change
 * made while one runs stays marked for internal-scheduler (which recomputes dirty hosts on
 * every run too), so no change is lost.
 */
export const updateJobIntervalsJob = defineJob({
  type: 'update-job-intervals',
  describe: 'Recomputes the scan schedule of hosts whose interval settings changed',
  params: Type.Object({}, { additionalProperties: false }),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  async run(_params, ctx) {
    const started = ctx.now();
    let hostsRecomputed = 0;
    for (;;) {
      const r = await recomputeDirtyHosts(ctx.store, ctx.hostScans, ctx.now());
      hostsRecomputed += r.hosts;
      if (r.hosts > 0) await ctx.heartbeat({ hostsRecomputed });
      if (!r.more) return { hostsRecomputed, more: false };
      if (ctx.now() - started > BUDGET_MS || ctx.signal.aborted)
        return { hostsRecomputed, more: true };
    }
  },
});

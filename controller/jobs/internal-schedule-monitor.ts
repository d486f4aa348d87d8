import type { JobContext } from '../engine/job-definition';
import { defineMonitor } from './define-monitor';
import type { MonitorFinding as Finding } from './monitor-alerts';
import { robotLags } from '../health/robot-lag';

async function lateRobots(ctx: JobContext, now: number, lateAfter: number): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const { robot: r, lagMs: late } of await robotLags(ctx.store, ctx.jobTypes, now)) {
    if (late <= lateAfter) continue;
    out.push({
      key: `robot:${r.type}`,
      subject: `robot:${r.type}`,
      severity: 'warning',
      message: `periodic robot ${r.type} is ${Math.round(late / 1000)} s late`,
      context: {
        extra: {
          robot: r.type,
          lateSeconds: Math.round(late / 1000),
          lateAfterSeconds: Math.round(lateAfter / 1000),
          nextRunAt: r.nextRunAt === null ? null : new Date(r.nextRunAt).toISOString(),
          lastJobId: r.lastJobId,
        },
      },
    });
  }
  return out;
}

async function lateTimedJobs(ctx: JobContext, now: number, lateAfter: number): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const rec of await ctx.store.expiringRecords.listScheduledBefore(now - lateAfter, 200)) {
    const job = rec.scheduledJobId ? await ctx.store.jobs.get(rec.scheduledJobId) : null;
    if (!job || job.state === 'completed') {
      await ctx.store.expiringRecords.remove(rec.id); // done (or its record already purged)
      continue;
    }
    if (job.state === 'running') continue;
    const ended = job.state !== 'queued';
    out.push({
      key: `job:${job.id}`,
      subject: `job:${job.id}`,
      severity: ended ? 'critical' : 'warning',
      message: ended
        ? `${job.type} for ${rec.kind} ${rec.subjectId}, due at its expiry, ended ${job.state}`
        : `${job.type} for ${rec.kind} ${rec.subjectId} was due at ${new Date(job.runAt).toISOString()} and has not started`,
      context: {
        extra: { jobId: job.id, jobType: job.type, state: job.state, subject: rec.subjectId },
      },
    });
  }
  return out;
}

/**
 * The seed's schedule monitor: raises a "schedule-late" alert for each periodic robot
 * that is late, for timed jobs (expiry actions) that did not run at their time, and
 * for host scans overdue; resolves those alerts once the lateness is gone.
 */
export const internalScheduleMonitor = defineMonitor({
  type: 'internal-schedule-monitor',
  alertType: 'schedule-late',
  describe: 'Raises alerts for late periodic robots, timed jobs and host scans',
  intervalMs: 60_000,
  async check(ctx, now) {
    const lateAfter = ctx.config.scheduleLateAfterMs;
    const findings = [
      ...(await lateRobots(ctx, now, lateAfter)),
      ...(await lateTimedJobs(ctx, now, lateAfter)),
    ];
    const overdueScans = await ctx.store.scanSchedule.countDueBefore(
      ctx.hostScans.map((s) => s.type),
      now - lateAfter,
    );
    if (overdueScans > 0)
      findings.push({
        key: 'host-scans',
        subject: 'host-scans',
        severity: 'warning',
        message: `${overdueScans} host scans are overdue by more than ${Math.round(lateAfter / 1000)} s`,
        context: { extra: { overdueScans, lateAfterSeconds: Math.round(lateAfter / 1000) } },
      });
    return { findings, summary: { late: findings.length } };
  },
});

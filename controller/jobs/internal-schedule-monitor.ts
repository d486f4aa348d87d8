import type { JobContext } from '../engine/job-definition';
import { defineInternalRobot } from './define-internal-robot';
import { robotLateness } from '../reports/robot-status';

const ALERT_TYPE = 'schedule-late';

interface Finding {
  key: string;
  subject: string;
  message: string;
  severity: 'warning' | 'critical';
}

async function lateRobots(ctx: JobContext, now: number, lateAfter: number): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const r of await ctx.store.robots.list()) {
    if (!ctx.jobTypes.includes(r.type)) continue;
    const lastJob = r.lastJobId ? await ctx.store.jobs.get(r.lastJobId) : null;
    const late = robotLateness(r, lastJob, now, lateAfter);
    if (late === null) continue;
    out.push({
      key: `robot:${r.type}`,
      subject: `robot:${r.type}`,
      severity: 'warning',
      message: `periodic robot ${r.type} is ${Math.round(late / 1000)} s late`,
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
    });
  }
  return out;
}

/**
 * The seed's schedule monitor: raises a "schedule-late" alert for each periodic robot
 * that is late, for timed jobs (expiry actions) that did not run at their time, and
 * for host scans overdue; resolves those alerts once the lateness is gone.
 */
export const internalScheduleMonitor = defineInternalRobot({
  type: 'internal-schedule-monitor',
  describe: 'Raises alerts for late periodic robots, timed jobs and host scans',
  intervalMs: 60_000,
  timeoutMs: 60_000,
  async run(ctx) {
    const now = ctx.now();
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
      });
    let raised = 0;
    for (const f of findings) {
      const { created } = await ctx.store.alerts.raise(
        {
          type: ALERT_TYPE,
          severity: f.severity,
          subject: f.subject,
          message: f.message,
          dedupeKey: `${ALERT_TYPE}:${f.key}`,
        },
        now,
      );
      if (created) raised++;
    }
    const current = new Set(findings.map((f) => `${ALERT_TYPE}:${f.key}`));
    let resolved = 0;
    const open = await ctx.store.alerts.list(
      { state: ['open'], type: ALERT_TYPE },
      { limit: 1000 },
    );
    for (const a of open.items) {
      if (current.has(a.dedupeKey)) continue;
      await ctx.store.alerts.setState(a.id, 'resolved', now);
      resolved++;
    }
    return { late: findings.length, raised, resolved };
  },
});

/**
 * The shape every system monitor shares: what it found now is raised (once per dedupe
 * key), and its alerts whose cause is gone are resolved, with that reason.
 */
import type { AlertContext } from '../store/records';
import type { JobContext } from '../engine/job-definition';

export interface MonitorFinding {
  /** Unique within the alert type: the dedupe key is `${type}:${key}`. */
  key: string;
  subject: string;
  severity: 'warning' | 'critical';
  message: string;
  context?: AlertContext;
}

export async function reconcileMonitorAlerts(
  ctx: Pick<JobContext, 'store' | 'job'>,
  type: string,
  findings: MonitorFinding[],
  now: number,
): Promise<{ raised: number; resolved: number }> {
  let raised = 0;
  for (const f of findings) {
    const { created } = await ctx.store.alerts.raise(
      {
        type,
        severity: f.severity,
        subject: f.subject,
        message: f.message,
        dedupeKey: `${type}:${f.key}`,
        ...(f.context ? { context: f.context } : {}),
      },
      now,
    );
    if (created) raised++;
  }
  const current = new Set(findings.map((f) => `${type}:${f.key}`));
  let resolved = 0;
  const open = await ctx.store.alerts.list({ state: ['open'], type }, { limit: 1000 });
  for (const a of open.items) {
    if (current.has(a.dedupeKey)) continue;
    await ctx.store.alerts.setState(a.id, 'resolved', now, {
      reason: 'cause gone',
      by: ctx.job.type,
    });
    resolved++;
  }
  return { raised, resolved };
}

/**
 * The system monitors' one shape (the seed's CPU and Memory, Disk space, Primary key and
 * Schedule monitors, and the agent-gateway health monitor): a robot with one instance on
 * an interval that measures something against thresholds from settings, raises an alert
 * of its type for each finding (once per dedupe key, with its context) and resolves its
 * open alerts whose cause is gone ("cause gone"). Alerts go wherever alerts go: the email
 * notification rules and SIEM export read the alert feed. Its figures are in the job's
 * result and in /metrics (api/metrics-routes.ts).
 */
import type { JobContext } from '../engine/job-definition';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

export interface MonitorCheck {
  findings: MonitorFinding[];
  /** The figures measured, returned as the job's result (with raised and resolved). */
  summary: Record<string, unknown>;
}

export function defineMonitor<const T extends string>(def: {
  type: T;
  /** The alert type its findings are raised as (and the only type it resolves). */
  alertType: string;
  describe: string;
  intervalMs: number;
  timeoutMs?: number;
  firstRunAfterMs?: number;
  check(ctx: JobContext, now: number): Promise<MonitorCheck>;
}) {
  return defineInternalRobot({
    type: def.type,
    describe: def.describe,
    intervalMs: def.intervalMs,
    timeoutMs: def.timeoutMs ?? 60_000,
    ...(def.firstRunAfterMs ? { firstRunAfterMs: def.firstRunAfterMs } : {}),
    async run(ctx) {
      const now = ctx.now();
      const { findings, summary } = await def.check(ctx, now);
      const { raised, resolved } = await reconcileMonitorAlerts(ctx, def.alertType, findings, now);
      return { ...summary, raised, resolved };
    },
  });
}

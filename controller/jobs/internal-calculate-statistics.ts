import { defineInternalRobot } from './define-internal-robot';

const sumBy = <T>(rows: T[], key: (r: T) => string, n: (r: T) => number) => {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + n(r);
  return out;
};

/**
 * The figures of the System and Environment dashboards: hosts by state and kind, jobs by
 * state and failures by type, open alerts by severity. Keys and their usage are added by
 * the issues that bring them. Stored as a "statistics" reporting record.
 */
export const internalCalculateStatistics = defineInternalRobot({
  type: 'internal-calculate-statistics',
  describe: 'Calculates fleet and job statistics for the dashboards',
  intervalMs: 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const hosts = await ctx.store.hosts.countByStateAndKind();
    const jobs = await ctx.store.jobs.countByTypeAndState();
    const alerts = [];
    let after: string | undefined;
    do {
      const page = await ctx.store.alerts.list({ state: ['open'] }, { limit: 500, after });
      alerts.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    const data = {
      hosts: {
        total: hosts.reduce((n, r) => n + r.count, 0),
        byState: sumBy(
          hosts,
          (r) => r.state,
          (r) => r.count,
        ),
        byKind: sumBy(
          hosts,
          (r) => r.kind,
          (r) => r.count,
        ),
      },
      jobs: {
        byState: sumBy(
          jobs,
          (r) => r.state,
          (r) => r.count,
        ),
        failedByType: sumBy(
          jobs.filter((r) => r.state === 'failed'),
          (r) => r.type,
          (r) => r.count,
        ),
      },
      alerts: {
        open: alerts.length,
        openBySeverity: sumBy(
          alerts,
          (a) => a.severity,
          () => 1,
        ),
      },
    };
    const rec = await ctx.store.reportingData.add('statistics', data, ctx.now());
    return { id: rec.id, hosts: data.hosts.total, openAlerts: data.alerts.open };
  },
});

import { keyStatistics } from '../reports/key-statistics';
import { statisticsTrends } from '../reports/statistics-trends';
import { defineInternalRobot } from './define-internal-robot';

const sumBy = <T>(rows: T[], key: (r: T) => string, n: (r: T) => number) => {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + n(r);
  return out;
};

/**
 * The figures of the System and Environment dashboards: hosts by state and kind, jobs by
 * state and failures by type, open alerts by severity, keys (by type, size, age), authorized
 * key lines (managed or foreign, used or not), accounts with key access, private keys,
 * logins, and the trend of each against the previous run. The inventory is read a page at a
 * time (reports/key-statistics.ts). Stored as a "statistics" reporting record.
 */
export const internalCalculateStatistics = defineInternalRobot({
  type: 'internal-calculate-statistics',
  describe: 'Calculates fleet, key and job statistics for the dashboards',
  intervalMs: 3_600_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const previous = await ctx.store.reportingData.latest('statistics');
    const hosts = await ctx.store.hosts.countByStateAndKind();
    const jobs = await ctx.store.jobs.countByTypeAndState();
    const alerts = [];
    let after: string | undefined;
    do {
      const page = await ctx.store.alerts.list({ state: ['open'] }, { limit: 500, after });
      alerts.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    const now = ctx.now();
    const keys = await keyStatistics(
      ctx.store,
      now,
      previous?.createdAt ?? null,
      async (step, done) => {
        ctx.signal.throwIfAborted();
        await ctx.heartbeat({ step, done });
      },
    );
    const current = {
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
      ...keys,
    };
    const data = { ...current, trends: statisticsTrends(current, previous) };
    const rec = await ctx.store.reportingData.add('statistics', data, ctx.now());
    return {
      id: rec.id,
      hosts: data.hosts.total,
      openAlerts: data.alerts.open,
      keys: data.keys.total,
      authorizedKeyLines: data.authorizedKeys.lines,
    };
  },
});

import { defineInternalRobot } from './define-internal-robot';
import type { HostRecord } from '../store/host-records';
import { evaluateFleet } from '../policy/evaluate-fleet';
import { policyBlock, startOfUtcDay } from '../policy/daily-block';
import { storeSink } from '../policy/plan-changes';

const DAY = 86_400_000;

interface GroupReport {
  hosts: number;
  byState: Record<string, number>;
  byKind: Record<string, number>;
  byOs: Record<string, number>;
  /** Hosts not seen for a week or never. */
  notSeenForAWeek: number;
}

const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/**
 * The once-a-day reporting block: walks every host (in pages, renewing its lease) and
 * counts per host group; then evaluates every policy over the whole inventory (raising and
 * resolving alerts, controller/policy/evaluate-fleet.ts) and keeps the findings per group,
 * by policy and severity, with the change since the previous day's block.
 */
export const internalReporting = defineInternalRobot({
  type: 'internal-reporting',
  describe: 'Builds the daily reporting data block by walking the fleet',
  intervalMs: DAY,
  timeoutMs: 60 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 10 * 60_000 },
  async run(ctx) {
    const now = ctx.now();
    const groups: Record<string, GroupReport> = {};
    const add = (h: HostRecord) => {
      const g = (groups[h.groupId ?? '(none)'] ??= {
        hosts: 0,
        byState: {},
        byKind: {},
        byOs: {},
        notSeenForAWeek: 0,
      });
      g.hosts++;
      bump(g.byState, h.state);
      bump(g.byKind, h.kind);
      bump(g.byOs, h.os ?? 'unknown');
      if (h.lastSeenAt === null || h.lastSeenAt < now - 7 * DAY) g.notSeenForAWeek++;
    };
    let after: string | undefined;
    let hosts = 0;
    do {
      const page = await ctx.store.hosts.list({}, { limit: 1000, after });
      page.items.forEach(add);
      hosts += page.items.length;
      after = page.nextCursor ?? undefined;
      await ctx.heartbeat({ hosts });
    } while (after && !ctx.signal.aborted);
    const t0 = performance.now();
    const sink = storeSink(ctx.store.alerts, now);
    const evaluation = await evaluateFleet(ctx.store, {
      now,
      sink,
      reason: 'cause gone (daily evaluation)',
      progress: async (evaluated) => {
        ctx.signal.throwIfAborted();
        await ctx.heartbeat({ hosts, policyHosts: evaluated });
      },
    });
    const previous = await ctx.store.reportingData.latestBefore('reporting', startOfUtcDay(now));
    const policies = policyBlock(
      {
        ...evaluation,
        raised: sink.raised,
        resolved: sink.resolved,
        ms: Math.round(performance.now() - t0),
      },
      now,
      previous,
    );
    const rec = await ctx.store.reportingData.add('reporting', { hosts, groups, policies }, now);
    return {
      id: rec.id,
      hosts,
      groups: Object.keys(groups).length,
      policies: {
        hosts: policies.hosts,
        findings: policies.findings,
        raised: policies.raised,
        resolved: policies.resolved,
        ms: policies.ms,
      },
    };
  },
});

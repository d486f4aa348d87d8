import { defineInternalRobot } from './define-internal-robot';
import type { HostRecord } from '../store/host-records';

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
 * counts per host group. Keys, accounts and policy violations join as those issues land.
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
    const rec = await ctx.store.reportingData.add('reporting', { hosts, groups }, now);
    return { id: rec.id, hosts, groups: Object.keys(groups).length };
  },
});

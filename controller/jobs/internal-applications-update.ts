import { recomputeMembers } from '../applications/compute-members';
import { defineInternalRobot } from './define-internal-robot';

/**
 * Goes through every application defined by association rules and sets its membership in
 * the store: hosts move between groups, are added and renamed, and scans find accounts, so
 * rules are re-applied on an interval (a change of the rules themselves is applied at once
 * by the API).
 */
export const internalApplicationsUpdate = defineInternalRobot({
  type: 'internal-applications-update',
  describe: 'Recomputes application memberships from their association rules',
  intervalMs: 15 * 60_000,
  timeoutMs: 30 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const apps = await ctx.store.applications.list();
    if (apps.length === 0) return { applications: 0, members: {} };
    const members = await recomputeMembers(ctx.store, apps, ctx.now, async (hostsRead) => {
      ctx.signal.throwIfAborted();
      await ctx.heartbeat({ hostsRead });
    });
    return { applications: apps.length, members };
  },
});

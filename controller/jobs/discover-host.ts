import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';

/**
 * Initial discovery of an agentless host: pins its host key (the expected one when given,
 * else the first seen, audited), records OS and SSH product, installs a per-host
 * management key for the management account, proves a login with it and forgets the
 * initial password. Then the host is switched to monitored, which queues a full scan.
 */
export const discoverHost = defineJob({
  type: 'discover-host',
  describe: 'Initial discovery of an agentless host and its management key',
  params: Type.Object({}),
  runsOn: 'host',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(_params, ctx) {
    const identity = await ctx.runOnHost('identify-host', {});
    const key = await ctx.runOnHost('install-management-key', {});
    const host = await ctx.store.hosts.get(ctx.job.hostId as string);
    let next: string | null = null;
    if (host?.state === 'discovered') {
      next = (
        await ctx.enqueue({
          type: 'to-monitored-state-host',
          params: { queueFullScan: true },
          hostId: host.id,
          dedupeKey: `to-monitored-state-host:${host.id}`,
        })
      ).id;
    }
    return { ...identity, managementKey: key, toMonitoredJobId: next };
  },
});

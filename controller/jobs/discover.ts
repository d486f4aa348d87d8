import { Type } from '@sinclair/typebox';
import { conflict, invalidInput } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';

/**
 * The parent of everything run for a host as it is taken on. For an agentless host its
 * child is discover-host, which on success queues to-monitored-state-host, which queues
 * the first full scan: each step starts only when the one before it worked. For an agent
 * host its child is discover-agent-host, which reads the facts of the host's own agent.
 */
export const discover = defineJob({
  type: 'discover',
  describe: 'Takes a new host on: initial discovery, the monitored state, a full scan',
  params: Type.Object({}),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(_params, ctx) {
    const hostId = ctx.job.hostId;
    const host = hostId ? await ctx.store.hosts.get(hostId) : null;
    if (!host)
      throw invalidInput(
        `discover needs the hostId of an existing host (got ${hostId ?? 'none'})`,
        {
          details: { field: 'hostId', value: hostId },
        },
      );
    const child = host.kind === 'agentless' ? 'discover-host' : 'discover-agent-host';
    if (!ctx.jobTypes.includes(child))
      throw invalidInput(`job type ${child} is not registered on this controller`, {
        details: { field: 'hostId', value: hostId, expected: child },
      });
    if (child === 'discover-host')
      return ctx.spawnChildren([{ type: child, params: {}, hostId: host.id }]);
    // discover-agent-host works from the agent, not the host: it needs the agent's id.
    if (!host.agentId)
      throw conflict(`agent host ${host.name} has no agent bound to it`, {
        details: { field: 'hostId', value: host.id, expected: 'a host with an agentId' },
      });
    return ctx.spawnChildren([{ type: child, params: { agentId: host.agentId }, hostId: host.id }]);
  },
});

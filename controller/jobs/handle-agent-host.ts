import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { planNextConnection } from '../enrollment/next-connection';
import { invalidInput } from '../../shared/errors';
import { catchUpRevocation } from '../revocation/revocation-catch-up';

/**
 * Runs at each management connection of an agent host: records the connection on the
 * host, counts the jobs waiting for it (the gateway holding the stream delivers them),
 * and records when the agent was told to connect next. Other jobs for the host run as
 * their own jobs.
 */
export const handleAgentHost = defineJob({
  type: 'handle-agent-host',
  describe: 'Handles one management connection of an agent-based host',
  params: Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      connectionId: Type.String({ minLength: 1 }),
      controllerId: Type.String(),
      mode: Type.Union([Type.Literal('stream'), Type.Literal('periodic')]),
      /** When the agent was told to connect next (absent: planned here). */
      nextConnectionAt: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
  idempotent: true,
  on: 'agent-connected',
  async run(params, ctx) {
    const hostId = ctx.job.hostId;
    const agent = await ctx.store.agentFleet.agents.get(params.agentId);
    if (!agent || !hostId || agent.hostId !== hostId) {
      throw invalidInput(`agent ${params.agentId} does not manage host ${hostId}`);
    }
    const now = ctx.now();
    const host = await ctx.store.hosts.get(hostId);
    // A host marked unreachable is reachable again: its agent just connected.
    const state = host?.state === 'unreachable' ? 'monitored' : host?.state;
    await ctx.store.hosts.update(hostId, { lastSeenAt: now, ...(state ? { state } : {}) }, now);
    // The time the agent was given at the hello, not one planned later by this job (which
    // may run seconds after the hello), so the record says when the agent really returns.
    const next =
      params.nextConnectionAt === undefined
        ? planNextConnection({ ...agent.settings, mode: params.mode }, now)
        : { atMs: params.nextConnectionAt };
    await ctx.store.agentFleet.agents.setNextConnection(agent.id, next.atMs);
    // A revocation the host missed while away reaches it now.
    await catchUpRevocation(ctx, hostId);
    const open = await ctx.store.agentFleet.assignments.listOpenForHost(hostId);
    return {
      hostId,
      connectionId: params.connectionId,
      controllerId: params.controllerId,
      pendingJobs: open.filter((a) => a.state === 'pending' || a.state === 'lost').length,
      runningJobs: open.filter((a) => a.state === 'delivered').length,
      nextConnectionAt: params.mode === 'periodic' ? next.atMs : null,
    };
  },
});

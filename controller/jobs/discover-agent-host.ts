import { Type } from '@sinclair/typebox';
import { notFound } from '../../shared/errors';
import { recordFullScanQueued, scanDedupeKey } from '../engine/host-scan-scheduler';
import { defineJob } from '../engine/job-definition';
import { SCANNED_STATES } from '../store/host-records';

/**
 * Discovery of an agent host at its agent's first connection: the host record from the
 * agent's facts, the monitored state, and a full scan when that job type exists.
 */
export const discoverAgentHost = defineJob({
  type: 'discover-agent-host',
  describe: 'Discovers an agent-based host from its agent facts and starts monitoring it',
  params: Type.Object({ agentId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  idempotent: true,
  on: 'agent-without-host',
  async run(params, ctx) {
    const { agents } = ctx.store.agentFleet;
    const agent = await agents.get(params.agentId);
    if (!agent)
      throw notFound(`agent ${params.agentId} is not enrolled`, {
        details: { agentId: params.agentId },
      });
    const f = agent.facts as {
      hostname?: string;
      addresses?: string[];
      os?: string;
      osRelease?: string;
      sshProduct?: string;
      hostKeyFingerprint?: string;
    };
    let hostId = agent.hostId;
    let created = false;
    if (!hostId) {
      const now = ctx.now();
      const host = await ctx.store.hosts.create(
        {
          name: f.hostname || agent.id,
          address: f.addresses?.[0] ?? f.hostname ?? agent.id,
          port: 22,
          kind: 'agent',
          state: 'discovered',
          groupId: agent.groupId,
          hostKeyFingerprint: f.hostKeyFingerprint || null,
          managementAccount: null,
          agentId: agent.id,
          os: [f.os, f.osRelease].filter(Boolean).join(' ') || null,
          sshProduct: f.sshProduct || null,
          lastSeenAt: agent.lastConnectedAt ?? now,
        },
        now,
      );
      if (await agents.bindHost(agent.id, host.id, now)) {
        hostId = host.id;
        created = true;
      } else {
        // Another discovery bound the agent first: this host record is not needed.
        await ctx.store.hosts.remove(host.id);
        hostId = (await agents.get(agent.id))?.hostId ?? null;
      }
    }
    if (!hostId) throw new Error(`agent ${agent.id} has no host after discovery`);
    // Discovery takes a discovered host to monitored. Run again (`hosts rediscover`) it
    // keeps any later state: it must not demote a managed host, nor call an unreachable
    // one reachable (the agent's next contact does that) or clear a host-key mismatch.
    const before = await ctx.store.hosts.get(hostId);
    const firstTime = !before || before.state === 'discovered';
    const state = firstTime ? 'monitored' : before.state;
    // The facts are those of the agent's latest connection: OS and SSH product may be newer.
    const os = [f.os, f.osRelease].filter(Boolean).join(' ');
    const monitored = await ctx.store.hosts.update(
      hostId,
      {
        ...(os ? { os } : {}),
        ...(f.sshProduct ? { sshProduct: f.sshProduct } : {}),
        ...(firstTime ? { state, lastSeenAt: ctx.now() } : {}),
      },
      ctx.now(),
    );
    let scanJobId: string | null = null;
    if (ctx.jobTypes.includes('scan-full') && monitored && SCANNED_STATES.includes(state)) {
      // The scheduler's key, and it counts as the host's first scheduled scans: the next
      // internal-scheduler run queues no second full scan nor the narrower ones it covers.
      // Queued as scheduled work (the bulk lane): a fleet of agents enrolling at once must
      // not take every worker from admin jobs and robots.
      scanJobId = (
        await ctx.enqueue({
          type: 'scan-full',
          params: {},
          hostId,
          dedupeKey: scanDedupeKey('scan-full', hostId),
          trigger: 'schedule',
        })
      ).id;
      await recordFullScanQueued(ctx.store, ctx.hostScans, monitored, scanJobId, ctx.now());
    }
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: `job:${ctx.job.id}`,
      action: 'host.discovered',
      subject: hostId,
      details: { agentId: agent.id, created, hostname: f.hostname ?? null, scanJobId },
    });
    return { hostId, created, state, scanJobId };
  },
});

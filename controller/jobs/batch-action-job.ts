import { Type } from '@sinclair/typebox';
import { invalidInput, notFound } from '../../shared/errors';
import { revokeAgentsOfHost } from '../enrollment/agent-revocation';
import { followHostGroup } from '../authorizations/follow-authorizations';
import { defineJob, type JobContext } from '../engine/job-definition';
import { HOST_STATES, type HostRecord } from '../store/host-records';

const ACTIONS = ['delete', 'rescan', 'change-state', 'move-group'] as const;
type Action = (typeof ACTIONS)[number];

const Params = Type.Object({
  action: Type.Union(ACTIONS.map((a) => Type.Literal(a))),
  hostIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100_000 }),
  /** change-state: the new state (a manual switch; it does not run to-managed-state-host). */
  state: Type.Optional(
    Type.Union(['discovered', 'monitored', 'managed'].map((s) => Type.Literal(s))),
  ),
  /** move-group: the group, or null to take the hosts out of their group. */
  groupId: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  /** rescan: which scan to queue (default scan-full). */
  scanType: Type.Optional(Type.String({ minLength: 1 })),
});

/**
 * An action on many hosts at once (delete, rescan, change state, move group) as one parent
 * with a child per host, so each host's outcome is its own job: one failure neither stops
 * the others nor hides among them. The parent is this type without a hostId; each child is
 * this type with the host as its hostId.
 */
export const batchActionJob = defineJob({
  type: 'batch-action-job',
  describe: 'Runs a management action on a batch of hosts, one child job per host',
  params: Params,
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const action = params.action as Action;
    if (ctx.job.hostId === null) {
      await checkBatch(action, params, ctx);
      const unique = [...new Set(params.hostIds)];
      return ctx.spawnChildren(
        unique.map((id) => ({
          type: 'batch-action-job',
          params: { ...params, hostIds: [id] },
          hostId: id,
        })),
      );
    }
    const host = await ctx.store.hosts.get(ctx.job.hostId);
    if (!host) {
      if (action === 'delete') return { hostId: ctx.job.hostId, action, outcome: 'already-absent' };
      throw notFound(`host ${ctx.job.hostId} does not exist`, {
        details: { field: 'hostId', value: ctx.job.hostId },
      });
    }
    return { hostId: host.id, action, ...(await perHost(action, params, host, ctx)) };
  },
});

async function checkBatch(
  action: Action,
  params: { state?: string; groupId?: string | null; scanType?: string },
  ctx: JobContext,
) {
  if (action === 'change-state' && !params.state)
    throw invalidInput('change-state needs state', {
      details: { field: 'state', expected: HOST_STATES.slice(0, 3) },
    });
  if (action === 'move-group') {
    if (params.groupId === undefined)
      throw invalidInput('move-group needs groupId (null to remove the group)', {
        details: { field: 'groupId' },
      });
    if (params.groupId !== null && !(await ctx.store.hostGroups.get(params.groupId)))
      throw notFound(`host group ${params.groupId} does not exist`, {
        details: { field: 'groupId', value: params.groupId },
      });
  }
  const scanTypes = ctx.hostScans.map((s) => s.type);
  // Any other job type would run once per host with no params: only a host scan is a rescan.
  if (action === 'rescan' && !scanTypes.includes(params.scanType ?? 'scan-full'))
    throw invalidInput(
      `scanType ${params.scanType ?? 'scan-full'} is not a host scan registered on this controller`,
      {
        details: { field: 'scanType', value: params.scanType ?? 'scan-full', expected: scanTypes },
      },
    );
}

async function perHost(
  action: Action,
  params: { state?: string; groupId?: string | null; scanType?: string },
  host: HostRecord,
  ctx: JobContext,
): Promise<Record<string, unknown>> {
  const audit = (details: Record<string, unknown>) =>
    ctx.store.audit.append({
      at: ctx.now(),
      actor: `job:${ctx.job.id}`,
      action: `host.${action}`,
      subject: host.id,
      details,
    });
  switch (action) {
    case 'delete': {
      // Its agent first: a deleted host's agent must not keep connecting and renewing.
      const agentsRevoked = await revokeAgentsOfHost(ctx.store, host.id, {
        by: `job:${ctx.job.id}`,
        reason: `its host ${host.id} (${host.name}) was deleted`,
      });
      await ctx.store.hosts.remove(host.id);
      const credentials = await ctx.store.hostCredentials.removeHost(host.id);
      await audit({
        name: host.name,
        address: `${host.address}:${host.port}`,
        credentialsForgotten: credentials,
        agentsRevoked,
      });
      return { outcome: 'deleted' };
    }
    case 'rescan': {
      // A host scan (checked above) takes its host and no other params.
      const job = await ctx.enqueueByName({
        type: params.scanType ?? 'scan-full',
        params: {},
        hostId: host.id,
      });
      return { outcome: 'queued', jobId: job.id };
    }
    case 'change-state': {
      const to = params.state as HostRecord['state'];
      await ctx.store.hosts.update(host.id, { state: to }, ctx.now());
      await audit({ from: host.state, to });
      return { outcome: 'changed', from: host.state, to };
    }
    case 'move-group': {
      const to = params.groupId ?? null;
      await ctx.store.hosts.update(host.id, { groupId: to }, ctx.now());
      await audit({ from: host.groupId, to });
      const authorizations = await followHostGroup(ctx, host.id);
      return { outcome: 'moved', from: host.groupId, to, authorizations };
    }
  }
}
